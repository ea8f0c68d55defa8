"""Notebooks 4 and 5: the course's multi-head classes are torch's attention, and layer order costs
nothing. A correct answer whose layers (or the wrapper's heads) are created in another order
than the book's gets every check's reference value, so full marks, although after the book's
seed it prints other numbers (probes.with_book_weights)."""
import nbformat
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograde import course
from autograde.authoring.record import run
from autograde.kernel import book
from autograde.kernel.probes import build, with_book_weights
from autograde.verdict.compare import close
from autograde.verdict.mistakes import KEY_THEN_QUERY, QUERY_THEN_KEY, Mistake, apply_mistake
from autograde.verdict.references import references

NB4, NB5 = "04_causal_attention", "05_multi_head_attention"


class OutProjFirst(book.MultiHeadAttention):
    """book.MultiHeadAttention with its layers created in the reverse of the book's order."""

    def __init__(self, d_in, d_out, context_length, dropout, num_heads, qkv_bias=False):
        nn.Module.__init__(self)
        self.d_out, self.num_heads, self.head_dim = d_out, num_heads, d_out // num_heads
        self.out_proj = nn.Linear(d_out, d_out)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))


def test_multi_head_book_weights_do_not_depend_on_the_order_of_creation():
    x = torch.rand(2, 6, 3)
    torch.manual_seed(123)
    books = book.MultiHeadAttention(3, 4, 6, 0.0, num_heads=2, qkv_bias=True)
    torch.manual_seed(123)
    reversed_order = OutProjFirst(3, 4, 6, 0.0, num_heads=2, qkv_bias=True)
    assert not torch.allclose(books(x), reversed_order(x))  # the same seed, other weights per layer
    assert torch.equal(with_book_weights(reversed_order, 123)(x), books(x))
    # the wrapper: heads one after the other, in each W_query, W_key, W_value
    torch.manual_seed(123)
    wrapper = book.MultiHeadAttentionWrapper(3, 2, 6, 0.0, num_heads=3)
    expected = wrapper(x)
    wrapper.heads = nn.ModuleList(list(wrapper.heads)[::-1])  # the heads the other way round
    assert not torch.allclose(wrapper(x), expected)
    assert torch.equal(with_book_weights(wrapper, 123)(x), expected)


def test_multi_head_attention_is_scaled_dot_product_attention_per_head_then_out_proj():
    mha = build(5, lambda: book.MultiHeadAttention(6, 8, 9, 0.0, num_heads=4, qkv_bias=True))
    x = torch.rand(2, 5, 6)

    def heads(t):
        return t.view(2, 5, 4, 2).transpose(1, 2)

    per_head = F.scaled_dot_product_attention(heads(mha.W_query(x)), heads(mha.W_key(x)), heads(mha.W_value(x)),
                                              is_causal=True)
    assert torch.allclose(mha(x), mha.out_proj(per_head.transpose(1, 2).reshape(2, 5, 8)), atol=1e-6)
    wrapper = build(6, lambda: book.MultiHeadAttentionWrapper(6, 2, 9, 0.0, num_heads=3))
    assert torch.allclose(wrapper(x), torch.cat([head(x) for head in wrapper.heads], dim=-1))


# the wrapper's heads the other way round
HEADS = "for _ in range(num_heads)]\n        )"
REVERSED_HEADS = "for _ in range(num_heads)][::-1]\n        )"


@pytest.mark.parametrize("notebook, old, new, book_check, at_least", [
    (NB4, QUERY_THEN_KEY, KEY_THEN_QUERY, "context_vecs (CausalAttention)", 30),
    (NB5, QUERY_THEN_KEY, KEY_THEN_QUERY, "context_vecs (MultiHeadAttention, 2 heads)", 12),
    (NB5, HEADS, REVERSED_HEADS, "context_vecs (wrapper, 2 heads)", 12),
], ids=["causal-key-first", "key-first", "heads-reversed"])
def test_an_answer_with_its_layers_in_another_order_earns_full_marks(notebook, old, new, book_check, at_least):
    """Every check of the notebook, visible and hidden, gets the reference's value from it (the
    grader compares exactly these values), the check on the book's numbers included: it redraws
    the weights in the book's order (probes.with_book_weights), the others load them by name."""
    nb = nbformat.read(course.solutions("ch03") / f"{notebook}.ipynb", as_version=4)
    recorded = run(apply_mistake(nb, Mistake("another-order", notebook, old, new, "", "")), notebook, strict=False)
    refs = references()
    checks = [c["name"] for e in refs.exercises_of(notebook).values() for c in e["checks"]]
    assert len(checks) >= at_least and book_check in checks and set(checks) <= set(recorded.values)
    wrong = [name for name in checks if not close(recorded.values[name], refs.expected(name))]
    assert not wrong, wrong
