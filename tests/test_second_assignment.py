"""A second chapter needs no engine change: a course whose solutions/ holds ch03 and a tiny
ch99 records ch99's references, releases it and grades it, with the same commands."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde import course

NAME = "01_tiny_total.ipynb"


def nbgrader(grade_id: str, **flags) -> dict:
    return {"nbgrader": {"grade_id": grade_id, "schema_version": 3, "grade": False, "solution": False,
                         "locked": False, "task": False, **flags}}


def tiny_solution() -> nbformat.NotebookNode:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nb.cells = [
        new_markdown_cell("# A total\n\nAdd up a tensor."),
        new_code_cell("import torch\nfrom autograde import Exercise", metadata=nbgrader("setup-99", locked=True)),
        new_code_cell("def total(x):\n    ### BEGIN SOLUTION\n    return x.sum()\n    ### END SOLUTION",
                      metadata=nbgrader("ex1-tiny-total-solution", solution=True)),
        new_code_cell('ex = Exercise("Tiny exercise: a total")\n'
                      'ex.check("total(ones)", lambda: total(torch.ones(3)), points=1)\n'
                      "### BEGIN HIDDEN TESTS\n"
                      'ex.check("total(arange)", lambda: total(torch.arange(5.0)), points=1)\n'
                      "### END HIDDEN TESTS",
                      metadata=nbgrader("ex1-tiny-total", grade=True, locked=True, points=2)),
    ]
    for index, cell in enumerate(nb.cells):
        cell.id = f"tiny-{index}"
    return nb


@pytest.fixture(scope="module")
def two_chapters(tmp_path_factory) -> Path:
    """A course folder with the real ch03 beside a tiny ch99 (sources only: ch99 is built below)."""
    root = tmp_path_factory.mktemp("course")
    for part in ("solutions/ch03", "notebooks/ch03", "reference/ch03"):
        shutil.copytree(course.ROOT / part, root / part)
    shutil.copy(course.ROOT / "nbgrader_config.py", root)
    (root / "solutions" / "ch99").mkdir()
    nbformat.write(tiny_solution(), root / "solutions" / "ch99" / NAME)
    return root


def autograde(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADE_COURSE": str(root), "AUTOGRADE_LANG": "en"}
    return subprocess.run([sys.executable, "-m", "autograde.cli", *args], capture_output=True, text=True, env=env,
                          cwd=root, timeout=600)


def handin(root: Path, answer: str) -> bytes:
    nb = nbformat.read(root / "notebooks" / "ch99" / NAME, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    cell.source = f"def total(x):\n    return {answer}"
    return nbformat.writes(nb).encode()


@pytest.mark.grading
def test_a_second_assignment_is_recorded_released_and_graded(two_chapters, tmp_path):
    root = two_chapters
    recorded = autograde(root, "references", "--assignment", "ch99")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (root / "reference" / "ch99" / "visible" / "01_tiny_total.safetensors").is_file()
    assert (root / "reference" / "ch99" / "hidden" / "01_tiny_total.safetensors").is_file()
    released = autograde(root, "release", "--assignment", "ch99")
    assert released.returncode == 0, released.stderr
    release = (root / "notebooks" / "ch99" / NAME).read_text()
    assert "x.sum()" not in release and "total(arange)" not in release  # nbgrader stripped answer and hidden test

    for student, answer in (("amy", "x.sum()"), ("ben", "x.mean()")):
        folder = tmp_path / "class" / student / "ch99"
        folder.mkdir(parents=True)
        (folder / NAME).write_bytes(handin(root, answer))
    graded = autograde(root, "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--assignment", "ch99",
                       "--json", "--workers", "1")
    assert graded.returncode == 0, graded.stderr
    rows = {r["student_id"]: r for r in json.loads(graded.stdout)["rows"]}
    assert {s: (r["notebook"], r["score"], r["max_score"], r["status"]) for s, r in rows.items()} == {
        "amy": ("01_tiny_total", 2.0, 2.0, "ok"), "ben": ("01_tiny_total", 0.0, 2.0, "ok")}
    assert (tmp_path / "out" / ".nbgrader" / "autograded" / "amy" / "ch99" / NAME).is_file()
    assert (tmp_path / "out" / "report.html").is_file()


def test_with_two_assignments_the_command_asks_which(two_chapters, tmp_path):
    (tmp_path / "class").mkdir()
    result = autograde(two_chapters, "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "this course has 2 assignments (ch03, ch99): choose one with --assignment" in result.stderr
    unknown = autograde(two_chapters, "grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--assignment", "ch4")
    assert unknown.returncode == 2 and "unknown assignment 'ch4': this course has ch03, ch99" in unknown.stderr


def test_a_check_name_used_by_another_assignment_is_refused(two_chapters, tmp_path):
    clash = tmp_path / "clash"
    shutil.copytree(two_chapters, clash, ignore=shutil.ignore_patterns("reference"))
    shutil.copytree(two_chapters / "reference" / "ch03", clash / "reference" / "ch03")
    nb = nbformat.read(clash / "solutions" / "ch99" / NAME, as_version=4)
    nb.cells[3].source = nb.cells[3].source.replace('"total(ones)"', '"attn_scores_2"')
    nbformat.write(nb, clash / "solutions" / "ch99" / NAME)
    result = autograde(clash, "references", "--assignment", "ch99")
    assert result.returncode == 1
    assert "ch99: check name 'attn_scores_2' is also used by notebook 01_attention_without_weights" in result.stdout
    assert not (clash / "reference" / "ch99").exists()  # refused: nothing written
