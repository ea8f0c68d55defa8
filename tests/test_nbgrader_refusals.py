"""What nbgrader itself does with a hand-in whose nbgrader metadata is damaged, through `grade()`
with nothing patched: its own steps refuse some (a row that says so, zero, nbgrader's words only
in grading.log), and the rest the grading repairs from the release before nbgrader sees them
(bad points, a duplicated grade id), so the student keeps what their code earned. A gradebook
that refuses a student fails nbgrader's autograde steps for that student alone."""
from __future__ import annotations

import copy
from collections.abc import Callable

import nbformat
import pytest

import example_class as ex
from autograde.grading.grader import Settings, grade
from catalogued import INTERNAL, assert_catalogued
from refusing_gradebook import MESSAGE, refuse

NB1, STEM1 = ex.NB1, ex.NB1[:-6]
TEST_CELL = "ex1-dot-scores"  # the first exercise's autograded test cell


def cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def solved_with(damage: Callable[[nbformat.NotebookNode], None]) -> str:
    """The solved first notebook, its nbgrader metadata damaged as `damage` does it."""
    nb = copy.deepcopy(ex.solved(NB1))
    damage(nb)
    return ex.text(nb)


def metadata_a_string(nb):
    cell(nb, TEST_CELL).metadata["nbgrader"] = "corrupted"


def metadata_a_list(nb):
    extra = nbformat.v4.new_code_cell("x = 1")
    extra.id, extra.metadata["nbgrader"] = "extra", ["grade", True]
    nb.cells.append(extra)


def no_grade_id(nb):
    del cell(nb, TEST_CELL).metadata["nbgrader"]["grade_id"]


def schema_from_the_future(nb):
    cell(nb, TEST_CELL).metadata["nbgrader"]["schema_version"] = 99


# what nbgrader's own code raises on each, in grading.log (its DeduplicateIds, its metadata validator)
REFUSED = {"metadata-a-string": (metadata_a_string, "AttributeError: 'str' object has no attribute 'get'"),
           "metadata-a-list": (metadata_a_list, "AttributeError: 'list' object has no attribute 'get'"),
           "no-grade-id": (no_grade_id, "KeyError: 'grade_id'"),
           "schema-99": (schema_from_the_future, "SchemaTooNewError: Schema version is too new: 99")}


def test_nbgrader_refuses_damaged_cell_metadata(tmp_path):
    # refused while sanitizing: no cell of theirs runs, so no sandbox is needed to see it
    source = ex.write_class(tmp_path / "class", {student: {NB1: solved_with(damage)} for student, (damage, _) in REFUSED.items()})
    out = tmp_path / "out"
    rows = {r.student_id: r for r in grade(source, out, settings=Settings(workers=1, sandbox=False)) if r.notebook == STEM1}
    assert_catalogued(rows.values())
    assert set(rows) == set(REFUSED)
    for student, row in rows.items():
        assert [m["code"] for m in row.messages] == ["nbgrader-refused", "no-sandbox"], row
        assert row.score == 0 and row.max_score > 0 and row.graded
    log = (out / "grading.log").read_text(encoding="utf-8")
    for student, (_, refusal) in REFUSED.items():
        assert f"{student}/{NB1}: nbgrader's sanitizing steps failed" in log
        assert refusal in log, f"{student}: nbgrader's own refusal is not in grading.log"
    assert "site-packages/nbgrader/" in log  # the refusals were nbgrader's own code's


def bad_points(nb):
    cell(nb, TEST_CELL).metadata["nbgrader"]["points"] = "lots"


def duplicated_grade_id(nb):
    twin = copy.deepcopy(cell(nb, TEST_CELL))
    twin.id = "twin"
    nb.cells.append(twin)


def another_cell_takes_its_grade_id(nb):
    cell(nb, "ex2-softmax-naive").metadata["nbgrader"]["grade_id"] = TEST_CELL


@pytest.mark.grading
def test_bad_points_and_duplicate_grade_ids_keep_what_the_code_earned(tmp_path):
    solved = ex.text(ex.solved(NB1))
    # graded in this order on one worker: the honest student comes after every other
    students = {"a-refused-by-the-gradebook": solved, "bad-points": solved_with(bad_points),
                "taken-id": solved_with(another_cell_takes_its_grade_id), "twin-cell": solved_with(duplicated_grade_id),
                "zz-honest": solved}
    source = ex.write_class(tmp_path / "class", {student: {NB1: nb} for student, nb in students.items()})
    out = tmp_path / "out"
    out.mkdir()
    refuse(f"sqlite:///{out / 'gradebook.db'}", "student", "NEW.id = 'a-refused-by-the-gradebook'")
    rows = {r.student_id: r for r in grade(source, out, settings=Settings(workers=1)) if r.notebook == STEM1}
    assert_catalogued(rows.values())
    refused = rows["a-refused-by-the-gradebook"]
    assert [m["code"] for m in refused.messages] == ["nbgrader-failed"] and refused.score == 0
    log = (out / "grading.log").read_text(encoding="utf-8")
    assert "a-refused-by-the-gradebook: nbgrader's autograde steps failed" in log
    assert MESSAGE in log and MESSAGE not in refused.status
    rows["honest"] = rows.pop("zz-honest")
    full = rows["honest"].max_score
    assert rows["honest"].status == "ok" and rows["honest"].score == full > 0
    # the release's metadata back: its points, not "lots"
    assert [m["code"] for m in rows["bad-points"].messages] == ["metadata-restored"]
    # nbgrader's DeduplicateIds keeps the first cell of an id; the copy's metadata goes
    assert "duplicates-ignored" in [m["code"] for m in rows["twin-cell"].messages]
    assert "duplicates-ignored" in [m["code"] for m in rows["taken-id"].messages]
    for student in ("bad-points", "twin-cell", "taken-id"):
        assert rows[student].score == full and rows[student].max_score == full, rows[student]
        assert not INTERNAL.search(rows[student].status)
