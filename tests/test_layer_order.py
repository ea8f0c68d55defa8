"""Layer order costs nothing: a correct answer whose layers are created in another order than
the book's gets full marks, although after the book's seed it prints other numbers. The
notebook's own check cells run here as in a learner's JupyterLab (feedback mode)."""
import nbformat
import pytest
import torch

from autograde import course
from autograde.verdict.references import references
from learner_kernel import run_as_learner

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
    return run_as_learner(nb, NB3, monkeypatch, strict)


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
