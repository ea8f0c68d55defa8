"""Where the course lives, and which assignments it has.

A course is a folder with an `nbgrader_config.py`, laid out as that config tells nbgrader:
`c.CourseDirectory.source_directory` (the instructor's notebooks; this course names it solutions/),
`release_directory` (the student release; here notebooks/) and `submitted_directory`, each
holding a folder per assignment, with nbgrader's defaults (source/, release/, submitted/) where
the config says nothing; so an existing nbgrader course is used as it is. `reference/<assignment>/`
holds this course's reference tensors; a plain nbgrader course has none. The assignments are the
folders of the source folder that hold notebooks, so a second chapter needs no change here.

The folder is, first found: `--course DIR` (cli.py calls `use`), AUTOGRADE_COURSE, the working
folder when it is a course (run in an nbgrader course folder, as nbgrader is), this clone.

A student handout (`autograde handout`) is a course folder without solutions/ (its assignments are
the folders of notebooks/, and the release is what nbgrader grades against: visible checks only)
and without hidden references. Installed with pip (a JupyterHub image), the package has no course
folder beside it: the handout's pyproject puts one in PREFIX/share/INSTALLED_NAME, found here.
"""
from __future__ import annotations

import os
import site
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import UsageError

INSTALLED_NAME = "autograde-course"  # the folder under PREFIX/share/ a pip-installed handout brings


CONFIG_NAME = "nbgrader_config.py"


@lru_cache(maxsize=None)
def read_config(path: Path):
    """`path` executed as nbgrader does (a traitlets Config), once per process: callers copy it
    before changing it. Needs traitlets only, never nbgrader."""
    from traitlets.config import Config

    config = Config()
    namespace = {"get_config": lambda: config, "c": config}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return config


@dataclass(frozen=True)
class Layout:
    """The folders of a course, as its nbgrader_config.py names them (relative to the course)."""
    source: str = "source"  # nbgrader's defaults, for a setting the config leaves out
    release: str = "release"
    submitted: str = "submitted"


def layout_of(folder: Path) -> Layout:
    """The layout `folder`'s nbgrader_config.py gives (nbgrader's defaults without one)."""
    path = folder / CONFIG_NAME
    if not path.is_file():
        return Layout()
    try:
        said = read_config(path.resolve()).get("CourseDirectory", {})
    except Exception as exc:  # nbgrader would stop on it too: say where, not a traceback
        raise UsageError(f"{path} could not be read as nbgrader reads it: {type(exc).__name__}: {exc}") from exc
    names = {"source": "source_directory", "release": "release_directory", "submitted": "submitted_directory"}
    values = {field: said[key] for field, key in names.items() if key in said}
    for field, value in values.items():
        if not isinstance(value, str):
            raise UsageError(f"{path}: c.CourseDirectory.{names[field]} must be a string, not {value!r}")
    return Layout(**values)


def is_course(folder: Path) -> bool:
    """Whether `folder` is a course: an nbgrader_config.py, and the source or release folder it names."""
    if not (folder / CONFIG_NAME).is_file():
        return False
    found = layout_of(folder)
    return (folder / found.source).is_dir() or (folder / found.release).is_dir()


def _root() -> tuple[Path, bool]:
    """The course folder, and whether it is the read-only copy a pip install brought."""
    if os.environ.get("AUTOGRADE_COURSE"):
        return Path(os.environ["AUTOGRADE_COURSE"]).resolve(), False
    try:
        here = Path.cwd()
        if is_course(here):  # run in a course folder (an nbgrader course, as nbgrader is run)
            return here.resolve(), False
    except Exception:  # a working folder gone, or a config that does not run: not a course to run in
        pass
    beside = Path(__file__).resolve().parent.parent
    if (beside / CONFIG_NAME).exists():  # a clone, or a handout folder installed in place
        return beside, False
    for prefix in (sys.prefix, site.getuserbase()):
        installed = Path(prefix) / "share" / INSTALLED_NAME
        if (installed / CONFIG_NAME).exists():
            return installed.resolve(), True
    return beside, False


ROOT, INSTALLED = _root()
REFERENCE_DIR = ROOT / "reference"  # see verdict/references.py


def use(folder: Path) -> None:
    """Make `folder` the course of every command and of the processes they start (`--course`,
    AUTOGRADE_COURSE): this course's layout or any nbgrader course's."""
    global ROOT, INSTALLED, REFERENCE_DIR
    folder = folder.expanduser().resolve()
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder: name a course folder (one with {CONFIG_NAME})")
    if not (folder / CONFIG_NAME).is_file():
        raise UsageError(f"{folder} is not a course: it has no {CONFIG_NAME} (the config an nbgrader course, "
                         "and this one, keep in their folder)")
    if not is_course(folder):
        found = layout_of(folder)
        raise UsageError(f"{folder} is not a course: its {CONFIG_NAME} names {found.source}/ as the source folder "
                         f"and {found.release}/ as the release folder (c.CourseDirectory.source_directory and "
                         "release_directory), and neither is there")
    ROOT, INSTALLED, REFERENCE_DIR = folder, False, folder / "reference"
    os.environ["AUTOGRADE_COURSE"] = str(folder)  # the workers and any command this one runs


def layout() -> Layout:
    """The course's layout, from its nbgrader_config.py."""
    return layout_of(ROOT)


def submitted() -> Path:
    """Where nbgrader keeps the course's hand-ins (c.CourseDirectory.submitted_directory)."""
    return ROOT / layout().submitted


def _sources() -> Path:
    """The folder whose assignments nbgrader generates from: solutions/, or in a student's
    handout (which has none) the release."""
    found = layout()
    return ROOT / found.source if (ROOT / found.source).is_dir() else ROOT / found.release


def assignments() -> list[str]:
    """The course's assignments, in order: the folders of solutions/ that hold notebooks."""
    folder = _sources()
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("*.ipynb"))) if folder.is_dir() else []


def default_assignment() -> str:
    """The assignment a command means when it is not told: the course's only one."""
    found = assignments()
    if len(found) != 1:
        raise UsageError(f"this course has {len(found)} assignments ({', '.join(found) or f'none in {_sources()}'}): "
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
    """The instructor's notebooks of `assignment` (c.CourseDirectory.source_directory)."""
    return ROOT / layout().source / assignment


def source(assignment: str) -> Path:
    """The notebooks nbgrader generates the assignment from: the solutions, or the release in a handout."""
    return _sources() / assignment


def is_handout() -> bool:
    """Whether this course folder is a student's handout: no solutions, the release is the source."""
    return not (ROOT / layout().source).is_dir()


def release(assignment: str) -> Path:
    """The student release of `assignment` (c.CourseDirectory.release_directory)."""
    return ROOT / layout().release / assignment


def references(assignment: str) -> Path:
    """The reference tensors of `assignment`; a plain nbgrader course has none (nbgrader's rules grade it)."""
    return REFERENCE_DIR / assignment


def notebook_names(assignment: str) -> list[str]:
    """The assignment's notebook file names, in course order."""
    return sorted(p.name for p in source(assignment).glob("*.ipynb"))


def assignment_of(notebook: str) -> str | None:
    """The assignment whose release has a notebook called `notebook` (a file name), if any."""
    return next((a for a in assignments() if (release(a) / notebook).exists()), None)
