"""Which entries of the catalogue (autograde/verdict/statuses.py) the suite makes the package
produce, and, when the whole suite ran, a failed session naming those that none did.

In this process every Message the package makes is recorded: `say` and `Message.from_dict`
build one, and `as_dict` puts one into a row or a notebook's notes (the constants made at
import, like NO_SANDBOX, count only when a row carries them). A test that calls `say` itself
proves nothing about the package, so only messages the package's own functions asked for
count. Gradings run in another process (`autograde grade` as a command) are read back from the
resume state they leave in pytest's temporary folder (not those run here: a test's stand-in
worker's statuses are in their state).
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from autograde.verdict import statuses
from autograde.verdict.statuses import CATALOGUE, Message

# code -> why no test can make the package produce it (without patching the package's own steps)
UNREACHABLE: dict[str, str] = {
    "no-result": "nbgrader's autograde went through but the gradebook holds no submitted notebook for it: "
                 "the run's own transaction creates one for every notebook of the assignment, and a notebook "
                 "the gradebook does not know fails before (nbgrader-failed); a guard, no hand-in reaches it",
}

PRODUCED: set[str] = set()
GRADED_HERE: set[Path] = set()  # output folders of gradings run in this process
STATE_FILE = ".grading-state.jsonl"  # grader.STATE_FILE, not imported: importing the grader loads nbgrader


def _asker() -> tuple[bool, bool]:
    """(whether the code that asked for this message is the package's, not a test's; whether it is
    a module's top level, a constant made at import), the catalogue's own frames skipped."""
    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__") == statuses.__name__:
        frame = frame.f_back
    if frame is None:
        return False, False
    module = frame.f_globals.get("__name__", "")
    return module == "autograde" or module.startswith("autograde."), frame.f_code.co_name == "<module>"


def record_produced_statuses() -> None:
    """From now on, every message the package makes, and every one of its constants it puts into
    a row or a notebook's notes, is added to PRODUCED. A message a test made and handed to the
    package (a stand-in worker's status) is not."""
    made, reported = Message.__new__, Message.as_dict

    def new(cls, en: str, code: str, zh: str):
        message = made(cls, en, code, zh)
        package, at_import = _asker()
        message._by_package = package
        if package and not at_import:
            PRODUCED.add(code)
        return message

    def as_dict(self) -> dict[str, str]:
        if getattr(self, "_by_package", False) and _asker()[0]:
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


def watch_gradings_in_this_process() -> None:
    """Once the grader is imported: note the output folder of each grading run in this process,
    whose statuses are recorded as they are made (a test's stand-in statuses are in its state too)."""
    grader = sys.modules.get("autograde.grading.grader")
    if grader is None or getattr(grader.load_state, "watched", False):
        return
    load_state = grader.load_state

    def watched(out: Path) -> dict:
        GRADED_HERE.add(Path(out).resolve())
        return load_state(out)

    watched.watched = True
    grader.load_state = watched


def codes_written_under(folder: Path, skip: set[Path] = frozenset()) -> set[str]:
    """The codes in every resume state a grading left under `folder` (one JSON value a line),
    but those of the output folders in `skip`."""
    found = set()
    for path in folder.rglob(STATE_FILE):
        if path.parent.resolve() in skip:
            continue
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
            and not config.getoption("lf", False) and not config.getoption("ignore", None)
            and not any(config.getoption(name, False) for name in ("collectonly", "setuponly", "setupplan")))


class CatalogueCheck:
    """The plugin: at the end of a whole-suite run, fails the session if some status of the
    catalogue was produced by no test (reported only when the sandbox's tests were skipped)."""

    def __init__(self):
        self.report: list[str] = []
        self.sandbox_skipped = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):  # before its fixtures grade anything
        watch_gradings_in_this_process()

    def pytest_runtest_logreport(self, report):
        if report.skipped and "grading" in report.keywords:
            self.sandbox_skipped = True

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus):
        if (not whole_suite(session.config) or session.shouldstop or session.shouldfail or not session.testscollected
                or exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)):
            return  # a part of the suite, or a run that did not go through
        basetemp = session.config._tmp_path_factory.getbasetemp()
        missing, stale = unproduced(PRODUCED | codes_written_under(basetemp, GRADED_HERE))
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
