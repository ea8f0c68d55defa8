"""Hand-ins made from the course itself: the README's example class, the grading tests and
the benchmark all build their students here.

Every builder returns notebook text (or raw bytes for broken files), never touching the
solutions or the release on disk.
"""
from __future__ import annotations

import copy
import json
import shutil
import zipfile
from pathlib import Path

import nbformat

from . import course
from .mistakes import MISTAKES, apply_mistake

NB1 = "01_attention_without_weights.ipynb"
ASSIGNMENT_NOTEBOOKS = course.notebook_names()


def solved(name: str) -> nbformat.NotebookNode:
    return nbformat.read(course.SOLUTIONS / name, as_version=4)


def blank(name: str) -> nbformat.NotebookNode:
    return nbformat.read(course.RELEASE / name, as_version=4)


def text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb)


def with_mistake(mistake_id: str) -> tuple[str, str]:
    mistake = MISTAKES[mistake_id]
    name = f"{mistake.notebook}.ipynb"
    return name, text(apply_mistake(solved(name), mistake))


def edited(name: str, edits: list[tuple[str, str]]) -> str:
    """The solution with each `old` text of its code replaced by `new` (each must occur)."""
    nb = solved(name)
    for old, new in edits:
        cells = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        if not cells:
            raise ValueError(f"{old!r} is not in {name}")
        for cell in cells:
            cell.source = cell.source.replace(old, new)
    return text(nb)


def answered(name: str, answers: dict[str, str], start: nbformat.NotebookNode | None = None) -> str:
    """The blank notebook with the solution cells named in `answers` (grade id -> code) filled in."""
    nb = copy.deepcopy(start) if start is not None else blank(name)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return text(nb)


def with_cell(nb: nbformat.NotebookNode, after_grade_id: str, source: str) -> str:
    """`nb` with a new code cell inserted after the cell `after_grade_id`."""
    nb = copy.deepcopy(nb)
    index = next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == after_grade_id)
    cell = nbformat.v4.new_code_cell(source)
    cell.id = f"added-{index}"
    nb.cells.insert(index + 1, cell)
    return text(nb)


# A learner who replaces the checks themselves: stock nbgrader gives this full marks.
PATCHED_CHECKS = '''import autograde.exercise as _exercise
_exercise.Exercise.check = lambda self, name, value, points: True
_exercise.Exercise.score = lambda self: 2.0
query = inputs[1]'''

# A learner who hard-codes the printed results of the book's inputs.
HARD_CODED = '''def dot_scores(inputs, query):
    return torch.tensor({values})
query = inputs[1]
attn_scores_2 = dot_scores(inputs, query)'''


def hard_coded_nb1() -> str:
    from .references import references

    values = references().expected("attn_scores_2").tolist()
    return answered(NB1, {"ex1-dot-scores-solution": HARD_CODED.format(values=values)})


def write_class(dest: Path, students: dict[str, dict[str, str | bytes]]) -> Path:
    """Write students (id -> file name -> content) in nbgrader's submitted layout."""
    if dest.exists():
        shutil.rmtree(dest)
    for student, files in students.items():
        folder = dest / student / course.ASSIGNMENT
        folder.mkdir(parents=True)
        for name, content in files.items():
            (folder / name).write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return dest


def example_class() -> dict[str, dict[str, str | bytes]]:
    """The README's example class: complete, partly right, broken, and one who cheats."""
    solutions = {name: text(solved(name)) for name in ASSIGNMENT_NOTEBOOKS}
    partly = {name: text(blank(name)) for name in ASSIGNMENT_NOTEBOOKS}
    partly[NB1] = solutions[NB1]
    for mistake_id in ("softmax-dim-0", "no-sqrt-dk-scaling", "mask-off-by-one"):
        name, content = with_mistake(mistake_id)
        partly[name] = content
    broken = {
        NB1: solutions[NB1][: len(solutions[NB1]) // 2],  # truncated upload
        "02_attention_all_tokens.ipynb": b"",
        "03_trainable_weights.ipynb": with_cell(solved("03_trainable_weights.ipynb"), "ex10-self-attention-v1",
                                                "import os\nos._exit(1)  # the kernel dies here"),
        "05_multi_head_attention.ipynb": solutions["05_multi_head_attention.ipynb"],
        "notes.txt": "my notes\n",
    }
    cheat = {name: text(blank(name)) for name in ASSIGNMENT_NOTEBOOKS}
    cheat[NB1] = answered(NB1, {"ex1-dot-scores-solution": PATCHED_CHECKS})
    cheat["02_attention_all_tokens.ipynb"] = answered("02_attention_all_tokens.ipynb", {
        "ex4-all-scores-solution": "def all_scores(inputs):\n    return torch.tensor(%s)\nattn_scores = all_scores(inputs)"
        % json.dumps(solved_values("attn_scores"))})
    return {"ada_complete": solutions, "ben_partly_right": partly, "cy_broken": broken, "dee_cheats": cheat}


def solved_values(check: str) -> list:
    from .references import references

    return references().expected(check).tolist()


def zip_class(students: dict[str, dict[str, str | bytes]], dest: Path) -> Path:
    """The same students as an LMS export: one zip per student."""
    dest.mkdir(parents=True, exist_ok=True)
    for student, files in students.items():
        with zipfile.ZipFile(dest / f"{student}.zip", "w") as archive:
            for name, content in files.items():
                archive.writestr(f"{course.ASSIGNMENT}/{name}", content)
    return dest


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else course.ROOT / "examples" / "class"
    write_class(dest, example_class())
    print(f"wrote the example class to {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
