"""Hand-ins made from the course itself: the README's example class, the grading tests and
the benchmark all build their students here.

Every builder returns notebook text (or raw bytes for broken files), never touching the
solutions or the release on disk.
"""
from __future__ import annotations

import copy
import json
import re
import shutil
import zipfile
from pathlib import Path

import nbformat

from autograde import course
from autograde.verdict.mistakes import MISTAKES, apply_mistake

NB1 = "01_attention_without_weights.ipynb"
NB2 = "02_attention_all_tokens.ipynb"
ASSIGNMENT_NOTEBOOKS = course.notebook_names("ch03")


def solved(name: str) -> nbformat.NotebookNode:
    return nbformat.read(course.solutions("ch03") / name, as_version=4)


def blank(name: str) -> nbformat.NotebookNode:
    return nbformat.read(course.release("ch03") / name, as_version=4)


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
PATCHED_CHECKS = '''import autograde.kernel.exercise as _exercise
_exercise.Exercise.check = lambda self, name, value, points: True
_exercise.Exercise.score = lambda self: 2.0
query = inputs[1]'''

# A learner who hard-codes the printed results of the book's inputs.
HARD_CODED = '''def dot_scores(inputs, query):
    return torch.tensor({values})
query = inputs[1]
attn_scores_2 = dot_scores(inputs, query)'''


def hard_coded_nb1() -> str:
    from autograde.verdict.references import references

    values = references().expected("attn_scores_2").tolist()
    return answered(NB1, {"ex1-dot-scores-solution": HARD_CODED.format(values=values)})


def write_class(dest: Path, students: dict[str, dict[str, str | bytes]]) -> Path:
    """Write students (id -> file name -> content) in nbgrader's submitted layout."""
    if dest.exists():
        shutil.rmtree(dest)
    for student, files in students.items():
        folder = dest / student / "ch03"
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
        "06_multi_head_in_practice.ipynb": solutions["06_multi_head_in_practice.ipynb"],
        "notes.txt": "my notes\n",
    }
    cheat = {name: text(blank(name)) for name in ASSIGNMENT_NOTEBOOKS}
    cheat[NB1] = answered(NB1, {"ex1-dot-scores-solution": PATCHED_CHECKS})
    cheat["02_attention_all_tokens.ipynb"] = answered("02_attention_all_tokens.ipynb", {
        "ex4-all-scores-solution": "def all_scores(inputs):\n    return torch.tensor(%s)\nattn_scores = all_scores(inputs)"
        % json.dumps(solved_values("attn_scores"))})
    return {"ada_complete": solutions, "ben_partly_right": partly, "cy_broken": broken, "dee_cheats": cheat}


def solved_values(check: str) -> list:
    from autograde.verdict.references import references

    return references().expected(check).tolist()


def zip_class(students: dict[str, dict[str, str | bytes]], dest: Path) -> Path:
    """The same students as an LMS export: one zip per student."""
    dest.mkdir(parents=True, exist_ok=True)
    for student, files in students.items():
        with zipfile.ZipFile(dest / f"{student}.zip", "w") as archive:
            for name, content in files.items():
                archive.writestr(f"ch03/{name}", content)
    return dest


# The class report's test class (notebook 2 only): a student and a near-copy of their code
# (variables renamed, comments moved and reworded), two honest students who wrote correct
# code their own way, one with the copiers' mistake written their own way, and one who
# handed in the release. Answers are grade id -> code of the solution cell.
COPIED = {
    "ex4-all-scores-solution": '''def all_scores(inputs):
    # every token against every other token
    num_tokens = inputs.shape[0]
    table = torch.zeros(num_tokens, num_tokens)
    for row in range(num_tokens):
        for col in range(num_tokens):
            # one dot product per pair
            table[row, col] = (inputs[row] * inputs[col]).sum()
    return table


attn_scores = all_scores(inputs)
print(attn_scores)''',
    # softmax over dim=0: one of the catalogue's mistakes
    "ex5-attention-weights-solution": '''def attention_weights(attn_scores):
    # softmax written out, stable: shift by the largest score first
    shifted = attn_scores - attn_scores.max()
    exps = torch.exp(shifted)
    weights = exps / exps.sum(dim=0, keepdim=True)
    return weights


attn_weights = attention_weights(attn_scores)
print(attn_weights)''',
    "ex6-all-context-vecs-solution": '''def all_context_vectors(attn_weights, inputs):
    # weight every input row by its attention weight, then add them up
    weighted = attn_weights.unsqueeze(-1) * inputs.unsqueeze(-3)
    context = weighted.sum(dim=-2)
    return context


all_context_vecs = all_context_vectors(attn_weights, inputs)
print(all_context_vecs)''',
}
RENAMES = {"num_tokens": "n", "table": "result", "row": "i", "col": "j", "shifted": "centred", "exps": "e",
           "weights": "w", "weighted": "prod", "context": "ctx"}
COMMENTS = [("            # one dot product per pair\n", ""), ("    # every token against every other token\n", ""),
            ("for i in range(n):\n", "for i in range(n):\n        # each pair of tokens gets one dot product\n")]


def near_copy(answers: dict[str, str]) -> dict[str, str]:
    """The same answers with the variables renamed and the comments moved and reworded."""
    copied = {}
    for gid, code in answers.items():
        code = re.sub(r"\b\w+\b", lambda m: RENAMES.get(m.group(), m.group()), code)
        for old, new in COMMENTS:
            code = code.replace(old, new)
        copied[gid] = code
    return copied


HONEST_A = {
    "ex4-all-scores-solution": "def all_scores(inputs):\n    rows = []\n    for x_i in inputs:\n"
                               "        rows.append(torch.stack([torch.dot(x_i, x_j) for x_j in inputs]))\n    return torch.stack(rows)\n\n\n"
                               "attn_scores = all_scores(inputs)\nprint(attn_scores)",
    "ex5-attention-weights-solution": "def attention_weights(attn_scores):\n    exp_scores = attn_scores.exp()\n"
                                      "    return exp_scores / exp_scores.sum(dim=-1, keepdim=True)\n\n\n"
                                      "attn_weights = attention_weights(attn_scores)\nprint(attn_weights)",
    "ex6-all-context-vecs-solution": "def all_context_vectors(attn_weights, inputs):\n"
                                     "    return torch.einsum('...qk,...kd->...qd', attn_weights, inputs)\n\n\n"
                                     "all_context_vecs = all_context_vectors(attn_weights, inputs)\nprint(all_context_vecs)",
}
HONEST_B = {
    "ex4-all-scores-solution": "def all_scores(inputs):\n    # one product of every pair of rows\n"
                               "    scores = torch.einsum('id,jd->ij', inputs, inputs)\n    return scores\n\n\n"
                               "attn_scores = all_scores(inputs)\nprint(attn_scores)",
    "ex5-attention-weights-solution": "def attention_weights(attn_scores):\n    return torch.nn.functional.softmax(attn_scores, dim=-1)\n\n\n"
                                      "attn_weights = attention_weights(attn_scores)\nprint(attn_weights)",
    "ex6-all-context-vecs-solution": "def all_context_vectors(attn_weights, inputs):\n    return torch.matmul(attn_weights, inputs)\n\n\n"
                                     "all_context_vecs = all_context_vectors(attn_weights, inputs)\nprint(all_context_vecs)",
}
# the same mistake as the copiers, written in their own way
OWN_DIM0 = {
    "ex4-all-scores-solution": "def all_scores(inputs):\n    return inputs @ inputs.T\n\n\nattn_scores = all_scores(inputs)\nprint(attn_scores)",
    "ex5-attention-weights-solution": "def attention_weights(attn_scores):\n    return torch.softmax(attn_scores, dim=0)\n\n\n"
                                      "attn_weights = attention_weights(attn_scores)\nprint(attn_weights)",
    "ex6-all-context-vecs-solution": "def all_context_vectors(attn_weights, inputs):\n    return attn_weights @ inputs\n\n\n"
                                     "all_context_vecs = all_context_vectors(attn_weights, inputs)\nprint(all_context_vecs)",
}


def copying_class() -> dict[str, dict[str, str]]:
    """Notebook 2 as six students hand it in: exercises 4 to 6 in their own words (or copied);
    the notebook's other exercises answered as the solution does, by all but the blank one."""
    others = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solved(NB2).cells
              if c.metadata.get("nbgrader", {}).get("solution") and c.metadata["nbgrader"]["grade_id"] not in COPIED}
    return {student: {NB2: answered(NB2, {**others, **answers}) if answers else text(blank(NB2))} for student, answers in (
        ("copy_source", COPIED), ("copy_renamed", near_copy(COPIED)), ("honest_a", HONEST_A), ("honest_b", HONEST_B),
        ("own_dim0", OWN_DIM0), ("blank", None))}


# Notebook 2's answers that compute nothing: solution cell -> (the function, {an input's shape: the
# visible check whose value the function returns for it}, the line that follows the function)
VISIBLE_VALUES = {
    "ex4-all-scores-solution": ("all_scores", {(6, 3): "attn_scores", (2, 3): "all_scores(2 tokens x 3 dims)"},
                                "attn_scores = all_scores(inputs)"),
    "ex5-attention-weights-solution": ("attention_weights", {(6, 6): "attn_weights", (2, 2, 3): "attention_weights(batch 2, 2x3 scores)"},
                                       "attn_weights = attention_weights(attn_scores)"),
    "ex7-cosine-scores-solution": ("cosine_scores", {(6, 3): "cos_scores", (3, 2): "cosine_scores(3 tokens x 2 dims)"},
                                   "cos_scores = cosine_scores(inputs)"),
}


def copied_values(solution_cells: tuple[str, ...]) -> dict[str, str]:
    """Answers that return the visible references' values, looked up by the input's shape: every
    visible check passes, and every hidden one (other inputs) gets a value of the wrong shape."""
    answers = {}
    for grade_id in solution_cells:
        function, checks, then = VISIBLE_VALUES[grade_id]
        table = {shape: solved_values(check) for shape, check in checks.items()}
        answers[grade_id] = (f"COPIED = {table!r}\n\n\ndef {function}(x):\n"
                             f"    return torch.tensor(COPIED.get(tuple(x.shape), next(iter(COPIED.values()))))\n\n\n{then}")
    return answers


def copied_values_class() -> dict[str, dict[str, str]]:
    """Notebook 2 as five students hand it in: one copies the visible values in three exercises,
    one in a single exercise, one is right everywhere, one has softmax over dim=0 (visible and
    hidden checks fail together), one hands in the release."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solved(NB2).cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    return {"copies_values": {NB2: answered(NB2, {**solutions, **copied_values(tuple(VISIBLE_VALUES))})},
            "copies_one": {NB2: answered(NB2, {**solutions, **copied_values(("ex4-all-scores-solution",))})},
            "honest": {NB2: text(solved(NB2))},
            "wrong_everywhere": dict([with_mistake("softmax-dim-0")]),
            "blank": {NB2: text(blank(NB2))}}


def main(argv: list[str] | None = None) -> int:
    import sys

    args = sys.argv[1:] if argv is None else argv
    dest = Path(args[0]) if args else course.ROOT / "examples" / "class"
    write_class(dest, example_class())
    print(f"wrote the example class to {dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
