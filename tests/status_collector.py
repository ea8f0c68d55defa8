"""Which entries of the catalogue (autograde/verdict/statuses.py) the suite makes the package
produce, and, when the whole suite ran, a failed session naming those that none did.

In this process every Message the package makes is recorded: `say` and `Message.from_dict`
build one, and `as_dict` puts one into a row or a notebook's notes (the constants made at
import, like NO_SANDBOX, count only when a row carries them). A test that calls `say` itself
proves nothing about the package, so only messages asked for by the package's own functions
count. Gradings run in another process (`autograde grade` as a command) are read back from the
resume state they leave in pytest's temporary folder.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograde.verdict import statuses
from autograde.verdict.statuses import CATALOGUE, Message

# code -> why no test can make the package produce it. Keep it empty unless that is really so.
UNREACHABLE: dict[str, str] = {}

PRODUCED: set[str] = set()
STATE_FILE = ".grading-state.jsonl"  # grader.STATE_FILE, not imported: importing the grader loads nbgrader


def _asked_by_the_package() -> bool:
    """Whether the code that asked for this message is one of the package's functions: not a
    test, not a module's top level (a constant made at import), not the catalogue itself."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") == statuses.__name__:
        frame = frame.f_back
    if frame is None:
        return False
    module = frame.f_globals.get("__name__", "")
    return (module == "autograde" or module.startswith("autograde.")) and frame.f_code.co_name != "<module>"


def record_produced_statuses() -> None:
    """From now on, every message the package makes or reports is added to PRODUCED."""
    made, reported = Message.__new__, Message.as_dict

    def new(cls, en: str, code: str, zh: str):
        if _asked_by_the_package():
            PRODUCED.add(code)
        return made(cls, en, code, zh)

    def as_dict(self) -> dict[str, str]:
        if _asked_by_the_package():
            PRODUCED.add(self.code)
        return reported(self)

    Message.__new__, Message.as_dict = staticmethod(new), as_dict


def codes_in(value) -> Iterator[str]:
    """The catalogue codes of the messages ({"code", "en", "zh"}) anywhere in a JSON value."""
    if isinstance(value, dict):
        if value.get("code") in CATALOGUE and {"en", "zh"} <= value.keys():
            yield value["code"]
        for item in value.values():
            yield from codes_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from codes_in(item)


def codes_written_under(folder: Path) -> set[str]:
    """The codes in every resume state a grading left under `folder` (one JSON value a line)."""
    found = set()
    for path in folder.rglob(STATE_FILE):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                found.update(codes_in(json.loads(line)))
            except ValueError:
                continue  # a line a killed run left half written
    return found


def unproduced(produced: set[str], unreachable: dict[str, str] = UNREACHABLE) -> tuple[list[str], list[str]]:
    """(catalogue entries that nothing produced and the allowlist does not excuse, allowlist
    entries that are produced after all or are not in the catalogue)."""
    missing = sorted(set(CATALOGUE) - produced - set(unreachable))
    stale = sorted(code for code in unreachable if code in produced or code not in CATALOGUE)
    return missing, stale


def whole_suite(config: pytest.Config) -> bool:
    """Whether this run is the whole suite: the configured test paths, nothing selected out."""
    return (config.args_source == pytest.Config.ArgsSource.TESTPATHS and not config.option.keyword
            and not config.option.markexpr and not config.getoption("deselect", None)
            and not config.getoption("lf", False) and not config.getoption("ignore", None))


class CatalogueCheck:
    """The plugin: at the end of a whole-suite run, fails the session if some status of the
    catalogue was produced by no test (reported only when the sandbox's tests were skipped)."""

    def __init__(self):
        self.report: list[str] = []
        self.sandbox_skipped = False

    def pytest_runtest_logreport(self, report):
        if report.skipped and "grading" in report.keywords:
            self.sandbox_skipped = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus):
        if not whole_suite(session.config) or session.shouldstop or session.shouldfail or not session.testscollected:
            return
        basetemp = session.config._tmp_path_factory.getbasetemp()
        missing, stale = unproduced(PRODUCED | codes_written_under(basetemp))
        if not missing and not stale:
            return
        self.report = [f"statuses of the catalogue that no test produced: {', '.join(missing)}" if missing else "",
                       f"statuses allowed as unreachable in tests/status_collector.py that are produced or gone: "
                       f"{', '.join(stale)}" if stale else ""]
        if self.sandbox_skipped:
            self.report.append("(not a failure: the tests that grade were skipped, no sandbox works here)")
        elif session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter):
        for line in filter(None, self.report):
            terminalreporter.write_line(line, red=not self.sandbox_skipped, bold=True)
