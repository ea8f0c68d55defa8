"""`autograde check` and `autograde submit`, on the hand-ins the grading tests use."""
import zipfile

import nbformat
import pytest

from autograde import cli, course
import example_class as ex
from autograde.grading.grader import Settings, grade
from autograde.verdict import references
from autograde.verdict.hints import HINTS
from autograde.verdict.statuses import say
from autograde.student import check, structure_problems, submit
from test_grading import BROKEN, NB1, drop, nb1_with, retype

STEM1 = NB1[:-6]


def write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def release_copy(tmp_path, name=NB1):
    return write(tmp_path, name, (course.release("ch03") / name).read_bytes())


def test_check_reports_visible_checks_hints_and_warnings(tmp_path):
    mistake_name, mistake = ex.with_mistake("softmax-dim-0")
    broken = ex.text(nbformat.from_dict({**ex.blank(NB1), "cells": [c for c in ex.blank(NB1).cells
                                                                     if c.metadata.get("nbgrader", {}).get("grade_id") != "setup-01"]}))
    reports = {r.notebook: r for r in check([write(tmp_path, NB1, broken), write(tmp_path, mistake_name, mistake)],
                                            hints=2)}
    weights = next(e for e in reports["02_attention_all_tokens"].exercises if e.title.startswith("Exercise 5"))
    visible, hidden = (sum(c["points"] for c in references.load(hidden=False).exercises["ex5-attention-weights"]["checks"]
                           if c["hidden"] == kind) for kind in (False, True))
    assert weights.earned == 0 and weights.possible == visible and weights.hidden_points == hidden
    assert any("dim=-1" in en and "dim=-1" in zh for _, en, zh in weights.failed)
    assert weights.hint == HINTS["ex5-attention-weights"][1]  # --hints 2: the more specific tier
    assert all(e.earned == e.possible for e in reports["02_attention_all_tokens"].exercises if e.title.startswith("Exercise 4"))
    assert reports[STEM1].status == "restored deleted cells: setup-01"
    assert any("setup-01 was deleted" in p for p in reports[STEM1].problems)


def test_check_prints_each_exercise_with_what_to_fix(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # one line per row, as in a wide terminal
    assert cli.main(["check", str(release_copy(tmp_path))]) == 0
    out = capsys.readouterr().out
    ex1 = references.load(hidden=False).exercises["ex1-dot-scores"]["checks"]
    visible, hidden = (sum(c["points"] for c in ex1 if c["hidden"] == kind) for kind in (False, True))
    assert f"Exercise 1: dot-product scores: 0 / {visible:g}   (+{hidden:g} at grading" in out
    assert "💡 hint" in out and "提示" in out


def test_check_refuses_a_hint_tier_below_one(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", str(release_copy(tmp_path)), "--hints", "0"])
    assert exit_.value.code == 2


@pytest.mark.parametrize("student", ["bad-deleted-cells", "bad-retyped-cells", "bad-reordered-cells", "bad-no-metadata",
                                     "bad-duplicated-cells", "bad-truncated", "bad-empty"])
def test_submit_refuses_structural_problems_and_says_how_to_fix(tmp_path, student):
    path = write(tmp_path, NB1, BROKEN[student][NB1])
    result = submit([path], "ada", tmp_path / "ada.zip")
    assert result.zip is None and not (tmp_path / "ada.zip").exists()
    assert result.problems[NB1] and all(len(p) > 20 for p in result.problems[NB1])


def test_submit_points_at_the_cell_to_restore(tmp_path):
    content = nb1_with(drop({"ex1-dot-scores"}))
    problems = structure_problems(NB1, content.encode())
    assert any("ex1-dot-scores was deleted: copy it back from notebooks/ch03/" in p for p in problems)
    assert any("markdown" in p for p in structure_problems(NB1, nb1_with(retype("ex1-dot-scores")).encode()))


@pytest.mark.grading
def test_submit_packs_a_zip_that_grading_accepts(tmp_path):
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in ex.solved(NB1).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    solved = write(tmp_path, NB1, ex.answered(NB1, answers))
    blank2 = release_copy(tmp_path, "02_attention_all_tokens.ipynb")
    assert cli.main(["submit", str(solved), str(blank2), "--student", "Ada Lovelace", "--out", str(tmp_path / "hand-in.zip")]) == 0
    with zipfile.ZipFile(tmp_path / "hand-in.zip") as archive:
        assert sorted(archive.namelist()) == ["ch03/01_attention_without_weights.ipynb", "ch03/02_attention_all_tokens.ipynb"]
    rows = {(r.student_id, r.notebook): r for r in grade(tmp_path / "hand-in.zip", tmp_path / "out", settings=Settings())}
    assert rows[("hand-in", STEM1)].score == 6 and rows[("hand-in", STEM1)].status == "ok"
    assert rows[("hand-in", "03_trainable_weights")].status == say("missing")


def test_submit_refusal_exits_1(tmp_path, capsys):
    path = write(tmp_path, NB1, nb1_with(drop({"setup-01"})))
    assert cli.main(["submit", str(path), "--student", "ada", "--out", str(tmp_path / "x.zip")]) == 1
    assert "setup-01 was deleted" in capsys.readouterr().out


def test_unknown_notebook_is_a_usage_error(tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", str(write(tmp_path, "mine.ipynb", "{}"))])
    assert exit_.value.code == 2
