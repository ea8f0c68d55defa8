"""The files an assignment ships beside its notebooks (data, helper modules, images, subfolders),
which every notebook finds in its working folder while it runs, as nbgrader's autograde copies
them into each student's folder: every file of the source assignment but its notebooks and what
`CourseDirectory.ignore` names, the source's copy replacing the student's, except the files
`Autograde.exclude_overwriting` names for the assignment, where the student's own copy is used
(found by its name in the hand-in: an LMS export keeps no folders).

They travel in the notebook's Request (workers/protocol.py), never as a path: the worker
writes them into the notebook's fresh working folder before its first cell, so what one
student hands in reaches only that student's notebooks.
"""
from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from .. import course
from ..errors import UsageError
from ..verdict.statuses import Message, say

FILES_BYTES = 32 * 2**20  # all of an assignment's files, as a notebook's working folder gets them


def shipped(assignment: str, config) -> dict[str, bytes]:
    """The source assignment's files beside its notebooks (relative POSIX path -> bytes), but
    those the student's copy stands for; UsageError when they are more than FILES_BYTES."""
    from nbgrader import utils
    from nbgrader.coursedir import CourseDirectory

    source = course.solutions(assignment)
    ignore = list(CourseDirectory(config=config).ignore) + ["*.ipynb"]
    excluded = set(excluded_files(assignment, config))
    files = {}
    for path in sorted(utils.find_all_files(str(source), ignore)):
        relative = PurePosixPath(Path(os.path.relpath(path, source)).as_posix())
        if str(relative) not in excluded and os.path.isfile(path):
            files[str(relative)] = Path(path).read_bytes()
    total = sum(len(data) for data in files.values())
    if total > FILES_BYTES:
        raise UsageError(f"{source}: the files beside the assignment's notebooks take {total / 2**20:.1f} MiB, more "
                         f"than the {FILES_BYTES // 2**20} MiB each notebook's working folder may be given: keep large "
                         "data elsewhere, or leave it out of the assignment's folder")
    return files


def excluded_files(assignment: str, config) -> list[str]:
    """`c.Autograde.exclude_overwriting[assignment]`: files whose student copy is kept."""
    setting = config.get("Autograde", {}).get("exclude_overwriting", {}) or {}
    return [PurePosixPath(p).as_posix() for p in setting.get(assignment, [])]


def for_handin(files: dict[str, bytes], excluded: list[str], handed: Mapping[str, bytes]) -> tuple[dict[str, str], list[Message]]:
    """What a student's notebooks get: the release's files, and the student's own copy of each
    excluded file they handed in (by its name), as long as all of it fits in FILES_BYTES. Returns
    the Request's files (base64) and what to say on the student's rows."""
    given = dict(files)
    notes = []
    for relative in excluded:
        name = PurePosixPath(relative).name
        if name not in handed:
            continue
        try:
            data = handed[name]
        except Exception:  # an unreadable entry of a zip: as if not handed in
            continue
        if sum(map(len, given.values())) + len(data) > FILES_BYTES:
            notes.append(say("own-file-too-large", file=name, limit=FILES_BYTES // 2**20))
            continue
        given[relative] = data
    return {path: base64.b64encode(data).decode() for path, data in given.items()}, notes


def own_names(assignment: str, excluded: list[str] = ()) -> set[str]:
    """The names (without folders, as a hand-in carries them) of the files beside the source
    assignment's notebooks and of those left to the student: a hand-in's copies of them are
    the assignment's files, not files handed in by mistake."""
    source = course.solutions(assignment)
    return {p.name for p in source.rglob("*") if p.is_file() and p.suffix != ".ipynb"} | \
        {PurePosixPath(path).name for path in excluded}


def digest(assignment: str) -> str:
    """Changes when any file beside the assignment's notebooks does (for resuming a run)."""
    found = hashlib.sha256()
    source = course.solutions(assignment)
    for path in sorted(p for p in source.rglob("*") if p.is_file() and p.suffix != ".ipynb"):
        found.update(path.relative_to(source).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return found.hexdigest()
