"""Calling nbgrader from Python with the course's configuration.

nbgrader_config.py is the one place the course's settings live: nbgrader reads it, and the
`autograde` command takes the defaults of its limits from it (`cell_timeout`), which its
flags override. Reading it needs traitlets only, never nbgrader."""
from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import sys
from pathlib import Path

from traitlets.config import Config

from .. import course
from ..errors import UsageError

# nbgrader's Execute.timeout default, for a course whose config does not set it
NBGRADER_TIMEOUT = 30
# The folders of the scratch course nbgrader works in (whatever the course's own layout names)
SCRATCH_FOLDERS = {"source_directory": "solutions", "release_directory": "notebooks", "submitted_directory": "submitted",
                   "autograded_directory": "autograded", "feedback_directory": "feedback"}


def config_file() -> Path:
    return course.ROOT / course.CONFIG_NAME


def _course_config() -> Config:
    return course.read_config(config_file()) if config_file().is_file() else Config()


def cell_timeout() -> int:
    """Seconds a cell may run unless `--timeout` says otherwise: `c.Execute.timeout` in
    nbgrader_config.py, the limit nbgrader's own Execute step reads (its default where unset)."""
    value = _course_config().get("Execute", {}).get("timeout", NBGRADER_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise UsageError(f"{config_file()}: c.Execute.timeout must be a whole number of seconds above 0 "
                         f"(the time a cell may run), not {value!r}")
    return value


def nbgrader_config(root: Path, db_url: str) -> Config:
    """The course's nbgrader_config.py, pointed at a scratch course root (laid out as
    SCRATCH_FOLDERS, whatever the course's own folders are called) and gradebook."""
    config = copy.deepcopy(_course_config())
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url
    for name, folder in SCRATCH_FOLDERS.items():
        config.CourseDirectory[name] = folder
    # nbgrader checks its exchange folder (for JupyterHub hand-ins, unused here) on every start
    (root / "exchange").mkdir(parents=True, exist_ok=True)
    config.Exchange.root = str(root / "exchange")
    if course.is_handout():
        # a handout's source is the release: its answer cells have no solution markers, and
        # ClearSolutions would replace each whole cell, scaffolding and all, with the stub
        config.ClearSolutions.enabled = False
    return config


class NbgraderFailed(RuntimeError):
    pass


def course_folder(root: Path, db_url: str, assignment: str):
    """An NbGraderAPI for a course folder at `root` holding one assignment's solutions, with the
    assignment generated (so the gradebook knows its cells and `root/notebooks` holds the release)."""
    shutil.copytree(course.source(assignment), root / SCRATCH_FOLDERS["source_directory"] / assignment, dirs_exist_ok=True)
    with _synced_once(db_url):
        create_gradebook(db_url)
        nbgrader = api(root, db_url)
        result = nbgrader.generate_assignment(assignment, force=True, create=True)
    if not result["success"]:
        raise NbgraderFailed(f"nbgrader could not set up the assignment: {result.get('error') or result.get('log')}")
    return nbgrader


@contextlib.contextmanager
def _synced_once(db_url: str):
    """Setting up a gradebook file this run creates: nbgrader's generate_assignment commits
    every cell, and each commit waits for the disk (tens of them, a good part of a second).
    A new file holds nothing yet to lose, so within the block SQLite does not wait
    (PRAGMA synchronous=OFF), and the file is synced once at the end, before any student's
    grade goes in (each student's commit waits for the disk as usual). A gradebook that
    exists, or is not an SQLite file, is set up as nbgrader sets it up."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine, make_url

    url = make_url(db_url)
    path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") else None
    if path is None or path.exists():
        yield
        return

    def unsynced(connection, _record):
        connection.execute("PRAGMA synchronous=OFF")

    event.listen(Engine, "connect", unsynced)
    try:
        yield
    finally:
        event.remove(Engine, "connect", unsynced)
    for synced in (path, path.parent):  # the file's data, then its name in the folder
        fd = os.open(synced, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# nbgrader's schema indexes these foreign keys only as the second column of a unique
# constraint, so finding one student's grades scans every grade of the class: the time per
# student would grow with the class.
LOOKUP_INDEXES = [("grade", "notebook_id"), ("comment", "notebook_id"), ("submitted_notebook", "assignment_id")]


def create_gradebook(db_url: str) -> None:
    """Create an empty gradebook at `db_url` as nbgrader's Gradebook does on first use, except
    that its schema version is read in-process: nbgrader runs the `alembic heads` command
    for it, which costs seconds. A gradebook that exists keeps its data; either way it gets
    LOOKUP_INDEXES."""
    from alembic.script import ScriptDirectory
    from nbgrader import api as nbgrader_db
    from sqlalchemy import create_engine, inspect, text

    engine = create_engine(db_url, future=True)
    try:
        if not inspect(engine).get_table_names():
            nbgrader_db.Base.metadata.create_all(bind=engine)
            head = ScriptDirectory(str(Path(nbgrader_db.__file__).parent / "alembic")).get_current_head()
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
                connection.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": head})
        with engine.begin() as connection:
            for table, column in LOOKUP_INDEXES:
                connection.execute(text(f"CREATE INDEX IF NOT EXISTS autograde_{table}_{column} ON {table} ({column})"))
    finally:
        engine.dispose()


def api(root: Path, db_url: str):
    """An NbGraderAPI for the course folder `root`."""
    # nbgrader runs the `alembic` script of its own environment to check the gradebook
    # schema; an un-activated virtualenv does not have it on PATH.
    scripts = str(Path(sys.executable).parent)
    if scripts not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = scripts + os.pathsep + os.environ.get("PATH", "")
    from nbgrader.apps import NbGraderAPI

    nbgrader = NbGraderAPI(config=nbgrader_config(root, db_url))
    nbgrader.log.setLevel(logging.ERROR)  # its INFO lines would bury our progress bar; failures come back in results
    return nbgrader
