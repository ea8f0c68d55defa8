"""Where the course lives, and which assignments it has.

A course is a folder: `solutions/<assignment>/` (the instructor's notebooks), `notebooks/<assignment>/`
(the student release), `reference/<assignment>/` (the reference tensors) and `nbgrader_config.py`.
The assignments are the folders of `solutions/` that hold notebooks, so a second chapter needs no
change here. The folder is this clone, unless AUTOGRADE_COURSE names another.

A student handout (`autograde handout`) is a course folder without solutions/ (its assignments are
the folders of notebooks/, and the release is what nbgrader grades against: visible checks only)
and without hidden references. Installed with pip (a JupyterHub image), the package has no course
folder beside it: the handout's pyproject puts one in PREFIX/share/INSTALLED_NAME, found here.
"""
from __future__ import annotations

import os
import site
import sys
from pathlib import Path

from .errors import UsageError

INSTALLED_NAME = "autograde-course"  # the folder under PREFIX/share/ a pip-installed handout brings


def _root() -> tuple[Path, bool]:
    """The course folder, and whether it is the read-only copy a pip install brought."""
    if os.environ.get("AUTOGRADE_COURSE"):
        return Path(os.environ["AUTOGRADE_COURSE"]).resolve(), False
    beside = Path(__file__).resolve().parent.parent
    if (beside / "nbgrader_config.py").exists():  # a clone, or a handout folder installed in place
        return beside, False
    for prefix in (sys.prefix, site.getuserbase()):
        installed = Path(prefix) / "share" / INSTALLED_NAME
        if (installed / "nbgrader_config.py").exists():
            return installed.resolve(), True
    return beside, False


ROOT, INSTALLED = _root()
REFERENCE_DIR = ROOT / "reference"  # see verdict/references.py


def _sources() -> Path:
    """The folder whose assignments nbgrader generates from: solutions/, or in a student's
    handout (which has none) the release."""
    return ROOT / "solutions" if (ROOT / "solutions").is_dir() else ROOT / "notebooks"


def assignments() -> list[str]:
    """The course's assignments, in order: the folders of solutions/ that hold notebooks."""
    folder = _sources()
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


def source(assignment: str) -> Path:
    """The notebooks nbgrader generates the assignment from: the solutions, or the release in a handout."""
    return _sources() / assignment


def is_handout() -> bool:
    """Whether this course folder is a student's handout: no solutions, the release is the source."""
    return not (ROOT / "solutions").is_dir()


def release(assignment: str) -> Path:
    return ROOT / "notebooks" / assignment


def references(assignment: str) -> Path:
    return REFERENCE_DIR / assignment


def notebook_names(assignment: str) -> list[str]:
    """The assignment's notebook file names, in course order."""
    return sorted(p.name for p in source(assignment).glob("*.ipynb"))


def assignment_of(notebook: str) -> str | None:
    """The assignment whose release has a notebook called `notebook` (a file name), if any."""
    return next((a for a in assignments() if (release(a) / notebook).exists()), None)
