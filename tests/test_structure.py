"""One reading of a hand-in's structure (autograde/structure.py) for its two users: what
`autograde check` and `submit` tell the learner (structure_problems) and what grading repairs
and notes (RepairCells, after nbgrader's own first steps) must find the same damage, each
kind of it, read off each one's own output."""
import re
from collections import Counter

import nbformat
import pytest
from nbgrader.preprocessors import ClearOutput, DeduplicateIds

import example_class as ex
from autograde.grading.preprocessors import STATUS_KEY, RepairCells
from autograde.intake.structure import read_structure
from autograde.student import structure_problems
from autograde.intake.submissions import read_notebook
from test_grading import NB1, drop, duplicate, move_before, retype, strip_metadata

STEM1 = NB1[:-6]
RELEASE = ex.blank(NB1)
OURS = {c.metadata["nbgrader"]["grade_id"]: c for c in RELEASE.cells if "nbgrader" in c.metadata}


def answered() -> nbformat.NotebookNode:
    """The release with every answer filled in: structurally, exactly what was handed out."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in ex.solved(NB1).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    return nbformat.reads(ex.answered(NB1, answers), as_version=4)


def edit(grade_id):
    def change(nb):
        next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id).source += "\nprint('mine')"
    return change


def strip(grade_id):
    def change(nb):
        del next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id).metadata["nbgrader"]
    return change


def together(*changes):
    def change(nb):
        for one in changes:
            one(nb)
    return change


DAMAGES = {
    "intact": (lambda nb: None, []),
    "duplicated cell": (duplicate("ex2-softmax-naive"), [("duplicated", "ex2-softmax-naive")]),
    "one cell lost its metadata": (strip("ex1-dot-scores"), [("stripped", 1)]),
    "every cell lost its metadata": (strip_metadata, [("stripped", len(OURS))]),
    "deleted read-only cells": (drop({"setup-01", "ex1-dot-scores"}), [("deleted", "setup-01"), ("deleted", "ex1-dot-scores")]),
    "deleted answer cell": (drop({"ex2-softmax-naive-solution"}), [("deleted", "ex2-softmax-naive-solution")]),
    "changed cell type": (retype("ex1-dot-scores"), [("retyped", "ex1-dot-scores")]),
    "edited read-only cell": (edit("ex3-context-vector"), [("edited", "ex3-context-vector")]),
    "moved cell": (move_before("ex3-context-vector", "ex3-context-vector-solution"), [("moved",)]),
    "all at once": (together(drop({"setup-01"}), retype("ex1-dot-scores"), duplicate("ex2-softmax-naive"),
                             edit("ex3-context-vector"), move_before("ex3-context-vector", "ex3-context-vector-solution")),
                    [("deleted", "setup-01"), ("retyped", "ex1-dot-scores"), ("duplicated", "ex2-softmax-naive"),
                     ("edited", "ex3-context-vector"), ("moved",)]),
}

# what the learner is told, as findings
TOLD = [(re.compile(r"cell (\S+) appears twice"), lambda m: ("duplicated", m[1])),
        (re.compile(r"(\d+) cells lost their nbgrader metadata"), lambda m: ("stripped", int(m[1]))),
        (re.compile(r"(?:your answer|the read-only) cell (\S+) was deleted"), lambda m: ("deleted", m[1])),
        (re.compile(r"cell (\S+) was turned into a \w+ cell"), lambda m: ("retyped", m[1])),
        (re.compile(r"the read-only cell (\S+) was edited"), lambda m: ("edited", m[1])),
        (re.compile(r"cells were moved"), lambda m: ("moved",))]


def told(problems: list[str]) -> Counter:
    found = Counter()
    for problem in problems:
        matches = [(pattern.match(problem), finding) for pattern, finding in TOLD]
        ((match, finding),) = [(m, f) for m, f in matches if m]  # each message says exactly one thing
        found[finding(match)] += 1
    return found


def grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def repaired(content: str) -> tuple[Counter, list[str]]:
    """What grading did to the hand-in, read off the notebook it leaves and the notes it made."""
    nb, _ = read_notebook(content.encode())
    before = {id(cell): grade_id(cell) for cell in nb.cells}
    resources = {"nbgrader": {"assignment": "ch03", "notebook": STEM1}}
    for step in (ClearOutput(), DeduplicateIds(), RepairCells()):
        nb, resources = step.preprocess(nb, resources)
    notes = [n["code"] for n in nb.metadata.get(STATUS_KEY, {}).get("notes", [])]
    handed = [c for c in nb.cells if id(c) in before]  # the rest are cells put back
    found = Counter()
    kept = Counter(grade_id(c) for c in nb.cells)
    for cell in handed:
        if before[id(cell)] is not None and grade_id(cell) is None and kept[before[id(cell)]] == 1:
            found["duplicated", before[id(cell)]] += 1  # its metadata went; another cell keeps its grade id
    given_back = sum(before[id(c)] is None and grade_id(c) is not None for c in handed)
    if given_back:
        found["stripped", given_back] += 1
    standing = {grade_id(c): c for c in handed if grade_id(c) is not None}
    for gid, original in OURS.items():
        cell = standing.get(gid)
        if cell is None:
            found["deleted", gid] += 1
        elif cell.cell_type != original.cell_type:
            found["retyped", gid] += 1
        elif original.metadata["nbgrader"].get("locked") and not original.metadata["nbgrader"].get("solution") \
                and cell.source != original.source:
            found["edited", gid] += 1  # nbgrader's OverwriteCells puts the source back, without a note
    order = [gid for gid in (grade_id(c) for c in nb.cells) if gid]
    if order != [gid for gid in OURS if gid in order]:
        found["moved",] += 1
    return found, notes


@pytest.mark.parametrize("damage", DAMAGES)
def test_check_and_grading_find_the_same_damage(damage):
    change, expected = DAMAGES[damage]
    nb = answered()
    change(nb)
    content = ex.text(nb)
    found, notes = repaired(content)
    assert told(structure_problems(NB1, content.encode())) == found == Counter(expected)
    # and grading's notes say so
    restored = [gid for gid, original in OURS.items() if ("deleted", gid) in found and original.metadata["nbgrader"].get("locked")]
    assert ("cells-restored" in notes) == bool(restored)
    assert ("duplicates-ignored" in notes) == any(f[0] == "duplicated" for f in found)
    assert ("metadata-restored" in notes) == any(f[0] == "stripped" for f in found)
    assert ("cell-type-restored" in notes) == any(f[0] == "retyped" for f in found)
    assert ("cells-reordered" in notes) == (("moved",) in found)


def test_the_reading_is_the_same_before_and_after_nbgraders_deduplication():
    """check and submit read the file as handed in; grading reads it after DeduplicateIds,
    which blanks the earlier copies of a duplicated cell: the same cells stand either way."""
    nb = answered()
    together(duplicate("ex2-softmax-naive"), duplicate("setup-01"))(nb)
    handed = read_structure(RELEASE, nb)
    deduplicated, _ = DeduplicateIds().preprocess(nbformat.from_dict(nb), {})
    after = read_structure(RELEASE, deduplicated)
    assert handed.duplicated == ["setup-01", "ex2-softmax-naive"] and after.duplicated == []
    assert (handed.cells, handed.copies, handed.stripped, handed.moved) == (after.cells, after.copies, after.stripped, after.moved)
