"""Where the course lives, and which assignments it has.

A course is a folder: `solutions/<assignment>/` (the instructor's notebooks), `notebooks/<assignment>/`
(the student release), `reference/<assignment>/` (the reference tensors) and `nbgrader_config.py`.
The assignments are the folders of `solutions/` that hold notebooks, so a second chapter needs no
change here. The folder is this clone, unless AUTOGRADE_COURSE names another.
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError

ROOT = Path(os.environ.get("AUTOGRADE_COURSE") or Path(__file__).resolve().parent.parent).resolve()
REFERENCE_DIR = ROOT / "reference"  # see verdict/references.py


def assignments() -> list[str]:
    """The course's assignments, in order: the folders of solutions/ that hold notebooks."""
    folder = ROOT / "solutions"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if folder.is_dir() else []


def default_assignment() -> str:
    """The assignment a command means when it is not told: the course's only one."""
    found = assignments()
    if len(found) != 1:
        raise UsageError(f"this course has {len(found)} assignments ({', '.join(found) or 'none in solutions/'}): "
                         "choose one with --assignment")
    return found[0]


def known(assignment: str | None) -> str:
    """`assignment`, checked (None: the default one)."""
    if assignment is None:
        return default_assignment()
    if assignment not in assignments():
        raise UsageError(f"unknown assignment {assignment!r}: this course has {', '.join(assignments()) or 'none'}")
    return assignment


def solutions(assignment: str) -> Path:
    return ROOT / "solutions" / assignment


def release(assignment: str) -> Path:
    return ROOT / "notebooks" / assignment


def references(assignment: str) -> Path:
    return REFERENCE_DIR / assignment


def notebook_names(assignment: str) -> list[str]:
    """The assignment's notebook file names, in course order."""
    return sorted(p.name for p in solutions(assignment).glob("*.ipynb"))


def assignment_of(notebook: str) -> str | None:
    """The assignment whose release has a notebook called `notebook` (a file name), if any."""
    return next((a for a in assignments() if (release(a) / notebook).exists()), None)
