"""Where a check's value comes from: the course's own answers (kernel/book/) must not give one.

A check runs the learner's code under a profiler that notes every book module whose code runs
meanwhile: a class imported from the course, subclassed, or with its methods borrowed all run
the course's code when the check calls them. While grading, those modules are not even in the
sandbox (grading/course_answers.py); in a learner's JupyterLab, this is how the check knows.
"""
from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Iterator

from .book import FOLDER, answer_modules


@contextlib.contextmanager
def course_code() -> Iterator[set[str]]:
    """Within the block, the names of the book modules whose code runs (filled in as it runs)."""
    ran: set[str] = set()
    modules = _book_files()
    seen: dict[str, str | None] = {}  # a code object's file -> its book module, resolved once

    def profile(frame, event, arg):
        if event == "call":
            filename = frame.f_code.co_filename
            if filename not in seen:
                seen[filename] = modules.get(os.path.realpath(filename))
            if seen[filename]:
                ran.add(seen[filename])

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        yield ran
    finally:
        sys.setprofile(previous)


@functools.lru_cache(maxsize=1)
def _book_files() -> dict[str, str]:
    """A book module's file -> its name (the folder does not change while a kernel runs)."""
    return {str(FOLDER / f"{name}.py"): name for name in answer_modules()}


def answered_by_course(grade_id: str | None, ran: set[str]) -> str | None:
    """The book module among `ran` that is the answer to exercise `grade_id`, if any."""
    return next((name for name in sorted(ran) if grade_id and answer_modules()[name][0] == grade_id), None)
