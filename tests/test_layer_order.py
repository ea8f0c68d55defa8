"""Layer order costs nothing: a correct answer whose layers are created in another order than
the book's gets full marks, although after the book's seed it prints other numbers. The
notebook's own check cells run here as in a learner's JupyterLab (feedback mode)."""
import contextlib
import io

import nbformat
import pytest
import torch

from autograde import course
from autograde.kernel import exercise
from autograde.verdict.mistakes import MISTAKES, apply_mistake
from autograde.verdict.references import references

NB3 = "03_trainable_weights"
# SelfAttention_v2 with its layers created value, key, query: the reverse of the book's order
BOOK_V2 = ("self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
           "        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
           "        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)")
REVERSED_V2 = ("self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
               "        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n"
               "        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)")
# SelfAttention_v1 with its own __init__, matrices created value, key, query
V1_HEAD = '    """BuggySelfAttention_v1\'s three matrices, with a forward that has no bug."""\n'
REVERSED_V1 = V1_HEAD + (
    "\n    def __init__(self, d_in, d_out):\n        nn.Module.__init__(self)\n"
    "        self.W_value = nn.Parameter(torch.rand(d_in, d_out))\n"
    "        self.W_key = nn.Parameter(torch.rand(d_in, d_out))\n"
    "        self.W_query = nn.Parameter(torch.rand(d_in, d_out))\n")


def solution() -> nbformat.NotebookNode:
    return nbformat.read(course.solutions("ch03") / f"{NB3}.ipynb", as_version=4)


def edited(nb: nbformat.NotebookNode, old: str, new: str) -> nbformat.NotebookNode:
    hits = [cell for cell in nb.cells if cell.cell_type == "code" and old in cell.source]
    assert len(hits) == 1, old
    hits[0].source = hits[0].source.replace(old, new)
    return nb


def graded(nb: nbformat.NotebookNode, monkeypatch, strict: bool = True) -> tuple[dict[str, tuple[float, float]], str, dict]:
    """Run every code cell as a learner's kernel does: each exercise's (earned, possible), what
    the checks printed, and the notebook's namespace. Not `strict`: carry on past a cell that
    raises, as grading does."""
    monkeypatch.setattr(exercise, "SCORES", {})
    monkeypatch.setattr(exercise, "FAILED_RUNS", {})
    monkeypatch.setattr(exercise, "RECORDER", None)
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with torch.random.fork_rng(), contextlib.redirect_stdout(out):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                exec(compile(cell.source, f"<{NB3} cell {index}>", "exec"), namespace)
            except Exception:
                if strict:
                    raise
    titles = {e["title"]: gid for gid, e in references().exercises_of(NB3).items()}
    scores = {titles[title]: (float(score), score.possible) for title, score in exercise.SCORES.items()}
    return scores, out.getvalue(), namespace


def full(scores: dict[str, tuple[float, float]]) -> dict[str, bool]:
    return {gid: earned == possible for gid, (earned, possible) in scores.items()}


def test_layers_created_in_reverse_order_earn_full_marks(monkeypatch):
    nb = edited(edited(solution(), BOOK_V2, REVERSED_V2), V1_HEAD, REVERSED_V1)
    scores, printed, namespace = graded(nb, monkeypatch)
    assert set(scores) == set(references().exercises_of(NB3)), "every exercise of the notebook ran its checks"
    assert all(full(scores).values()), scores
    assert "❌" not in printed and printed.count(": matches the reference") == sum(
        len(e["checks"]) for e in references().exercises_of(NB3).values())
    # the reversed order really draws other numbers after the book's seed: a check on the
    # seed alone would have failed these answers
    inputs = namespace["inputs"]
    torch.manual_seed(789)
    assert not torch.allclose(namespace["SelfAttention_v2"](3, 2)(inputs), references().expected("sa_v2(inputs)"), atol=1e-3)
    torch.manual_seed(123)
    assert not torch.allclose(namespace["SelfAttention_v1"](3, 2)(inputs), references().expected("sa_v1(inputs)"), atol=1e-3)


@pytest.mark.parametrize("mistake_id", [m.id for m in MISTAKES.values() if m.notebook == NB3])
def test_the_same_run_scores_each_mistake_as_the_catalogue_says(monkeypatch, mistake_id):
    """The harness above can fail: a wrong answer loses exactly the catalogue's points."""
    mistake = MISTAKES[mistake_id]
    scores, _, _ = graded(apply_mistake(solution(), mistake), monkeypatch, strict=False)
    expected = {gid: mistake.scores.get(gid, possible) for gid, (_, possible) in scores.items()}
    assert {gid: earned for gid, (earned, _) in scores.items()} == pytest.approx(expected)
