"""How a hand-in's cells stand against the release it started from: one reading, for grading
(preprocessors.RepairCells repairs what it finds) and for the learner's `autograde check` and
`autograde submit` (student.structure_problems says what to fix), so that the two never judge
a hand-in differently.

A cell is one of ours when its nbgrader metadata names a grade id of the release. What is read:
  copies      cells that lose their metadata: the earlier copies of a grade id that several
              cells carry (the last copy counts, as in nbgrader's DeduplicateIds), and the
              empty metadata DeduplicateIds leaves on such copies, so that a hand-in reads
              the same before that step (check, submit) and after it (grading)
  foreign     other nbgrader metadata that is not ours: an unknown grade id, or not valid
  recast      ours, but the metadata says another role than the release's (points, locked...)
  stripped    cells without metadata of ours that are one of ours: the same cell id, or the
              source of a read-only cell (an editor other than JupyterLab drops metadata)
  deleted, retyped, edited (read-only cells whose source changed) and moved (out of the
  release's order), for the cells that stand for each grade id once all of the above is put right.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nbformat import NotebookNode

ROLE_KEYS = ("grade_id", "grade", "solution", "locked", "task", "points")


@dataclass
class Structure:
    release: dict[str, NotebookNode]  # grade id -> the release's cell, in the release's order
    cells: dict[str, int] = field(default_factory=dict)  # grade id -> the hand-in cell standing for it
    duplicated: list[str] = field(default_factory=list)  # a grade id for each cell that repeats one, in order
    copies: list[int] = field(default_factory=list)  # hand-in cell positions, here and below
    foreign: list[int] = field(default_factory=list)
    recast: dict[int, str] = field(default_factory=dict)  # cell -> its grade id
    stripped: dict[int, str] = field(default_factory=dict)  # cell -> the grade id it is
    deleted: list[str] = field(default_factory=list)  # grade ids, in the release's order, here and below
    retyped: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    moved: bool = False

    def metadata(self, grade_id: str) -> dict:
        """The release's nbgrader metadata of `grade_id`."""
        return self.release[grade_id].metadata["nbgrader"]


@lru_cache(maxsize=None)
def released(assignment: str, notebook: str) -> NotebookNode:
    """The student release of `notebook` (its file name without .ipynb), read once per process:
    grading reads it for every hand-in, `check` and `submit` for every file. Read, never changed."""
    import nbformat

    from .. import course

    return nbformat.read(course.release(assignment) / f"{notebook}.ipynb", as_version=4)


def read_structure(release: NotebookNode, handin: NotebookNode) -> Structure:
    """Compare `handin` with `release` (the notebook the learner was given); neither changes."""
    found = Structure({c.metadata["nbgrader"]["grade_id"]: c for c in release.cells if "nbgrader" in c.metadata})
    grade_ids = [_grade_id(cell) for cell in handin.cells]
    last = {grade_id: i for i, grade_id in enumerate(grade_ids) if grade_id is not None}
    seen = set()
    for i, (cell, grade_id) in enumerate(zip(handin.cells, grade_ids)):
        if grade_id is not None and grade_id in seen:
            found.duplicated.append(grade_id)
        seen.add(grade_id)
        meta = cell.metadata.get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
        if meta is None:
            continue
        if grade_id is not None and last[grade_id] != i or meta == {}:
            found.copies.append(i)
        elif grade_id in found.release:
            found.cells[grade_id] = i
            if role(meta) != role(found.metadata(grade_id)):
                found.recast[i] = grade_id
        else:
            found.foreign.append(i)
    _match_stripped(found, release, handin)
    for grade_id, original in found.release.items():
        i = found.cells.get(grade_id)
        if i is None:
            found.deleted.append(grade_id)
            continue
        cell, meta = handin.cells[i], found.metadata(grade_id)
        if cell.cell_type != original.cell_type:
            found.retyped.append(grade_id)
        if meta.get("locked") and not meta.get("solution") and cell.source != original.source:
            found.edited.append(grade_id)
    standing = sorted(found.cells, key=found.cells.get)
    found.moved = standing != [grade_id for grade_id in found.release if grade_id in found.cells]
    return found


def _match_stripped(found: Structure, release: NotebookNode, handin: NotebookNode) -> None:
    """Cells left without metadata of ours that are one of ours whose grade id no cell stands for:
    by cell id, else by the source of a read-only cell; the first such cell takes it."""
    by_id = {c.get("id"): c for c in release.cells if "nbgrader" in c.metadata}
    by_source = {c.source: c for c in release.cells if c.metadata.get("nbgrader", {}).get("locked")}
    keeping = set(found.cells.values())
    for i, cell in enumerate(handin.cells):
        if i in keeping:
            continue
        match = by_id.get(cell.get("id")) or by_source.get(cell.get("source"))
        if match is not None and match.metadata["nbgrader"]["grade_id"] not in found.cells:
            found.cells[match.metadata["nbgrader"]["grade_id"]] = i
            found.stripped[i] = match.metadata["nbgrader"]["grade_id"]


EVIDENCE_CHARS = 60  # of a student's line quoted in a row: enough to recognise it, never a whole cell


def first_change(original: str, edited: str) -> tuple[int, str]:
    """Where a read-only cell's edited source first differs from the release's: the line's number
    (from 1) and that line of the edit, quoted and cut short ('' where the edit has no such line)."""
    old, new = original.splitlines(), edited.splitlines()
    line = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    text = new[line] if line < len(new) else ""
    return line + 1, repr(text if len(text) <= EVIDENCE_CHARS else text[:EVIDENCE_CHARS] + "…")


def role(meta: dict) -> tuple:
    """What a cell's nbgrader metadata says it is (checksums and versions aside)."""
    return tuple(meta.get(key) for key in ROLE_KEYS)


def _grade_id(cell: NotebookNode) -> str | None:
    """The grade id a hand-in cell's nbgrader metadata names, if it names one."""
    meta = cell.get("metadata", {}).get("nbgrader") if isinstance(cell.get("metadata"), dict) else None
    grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
    return grade_id if isinstance(grade_id, str) else None
