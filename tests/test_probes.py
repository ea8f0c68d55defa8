"""The course's reference classes and the probes the checks use, each built two ways with
torch as the reference: F.scaled_dot_product_attention computes the same attention."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from autograde.kernel import book
from autograde.kernel.trace import forward_steps
from autograde.kernel.probes import (PatternDropout, buffer_flags, build, load_by_name, sdpa_gap, with_book_weights,
                                     with_pattern_dropout)


class KeyFirst(nn.Module):
    """book.CausalAttention with its layers created in another order."""

    def __init__(self, d_in, d_out, context_length, dropout):
        super().__init__()
        self.W_value = nn.Linear(d_in, d_out, bias=False)
        self.W_key = nn.Linear(d_in, d_out, bias=False)
        self.W_query = nn.Linear(d_in, d_out, bias=False)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    forward = book.CausalAttention.forward


def test_weights_loaded_by_name_do_not_depend_on_the_order_of_creation():
    x = torch.rand(2, 5, 4)
    ours = build(7, lambda: book.CausalAttention(4, 3, 8, 0.0))
    theirs = build(7, lambda: KeyFirst(4, 3, 8, 0.0))
    assert all(torch.equal(ours.state_dict()[k], theirs.state_dict()[k]) for k in ours.state_dict())
    assert torch.allclose(ours(x), theirs(x))
    # without loading by name, the same seed gives the two orders different weights
    torch.manual_seed(7)
    plain_ours = book.CausalAttention(4, 3, 8, 0.0)
    torch.manual_seed(7)
    plain_theirs = KeyFirst(4, 3, 8, 0.0)
    assert not torch.allclose(plain_ours(x), plain_theirs(x))


class ValueFirstMatrices(nn.Module):
    """The book's SelfAttention_v1 matrices (torch.rand), created value first."""

    def __init__(self, d_in, d_out):
        super().__init__()
        self.W_value = nn.Parameter(torch.rand(d_in, d_out))
        self.W_key = nn.Parameter(torch.rand(d_in, d_out))
        self.W_query = nn.Parameter(torch.rand(d_in, d_out))


class Heads(nn.Module):
    """A wrapper of causal heads, as the book's MultiHeadAttentionWrapper holds them."""

    def __init__(self, make, num_heads):
        super().__init__()
        self.heads = nn.ModuleList([make() for _ in range(num_heads)])


def test_book_weights_are_the_books_numbers_whatever_the_order_of_creation():
    x = torch.rand(2, 5, 4)
    torch.manual_seed(789)
    book_order = book.CausalAttention(4, 3, 8, 0.0)
    torch.manual_seed(789)
    key_first = KeyFirst(4, 3, 8, 0.0)
    assert not torch.allclose(book_order(x), key_first(x))  # the seed alone depends on the order
    assert torch.equal(with_book_weights(key_first, 789)(x), book_order(x))
    # with a bias, and with the book's seed again on the book's own order
    torch.manual_seed(123)
    biased = book.SelfAttention_v2(4, 3, qkv_bias=True)
    redrawn = with_book_weights(build(0, lambda: book.SelfAttention_v2(4, 3, qkv_bias=True)), 123)
    assert all(torch.equal(biased.state_dict()[k], redrawn.state_dict()[k]) for k in biased.state_dict())
    # matrices a module holds itself are drawn as the book's SelfAttention_v1 draws them
    torch.manual_seed(123)
    expected = [torch.rand(3, 2) for _ in range(3)]
    matrices = with_book_weights(ValueFirstMatrices(3, 2), 123)
    assert all(torch.equal(m, e) for m, e in zip((matrices.W_query, matrices.W_key, matrices.W_value), expected))
    # a wrapper's heads are drawn one after another, each in the book's order
    torch.manual_seed(5)
    heads = Heads(lambda: book.CausalAttention(4, 3, 8, 0.0), 2)
    key_first_heads = with_book_weights(build(0, lambda: Heads(lambda: KeyFirst(4, 3, 8, 0.0), 2)), 5)
    assert all(torch.equal(heads.state_dict()[k], key_first_heads.state_dict()[k]) for k in heads.state_dict())


def test_book_weights_leave_the_notebooks_random_state_alone():
    module = KeyFirst(4, 3, 8, 0.0)
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    with_book_weights(module, 1)
    assert torch.equal(torch.rand(3), expected)


def test_build_leaves_the_notebooks_random_state_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    build(5, lambda: book.CausalAttention(4, 3, 8, 0.0))
    assert torch.equal(torch.rand(3), expected)


def test_load_by_name_uses_the_range_nn_linear_starts_from():
    layer = load_by_name(nn.Linear(16, 4), 3)
    assert layer.weight.abs().max() <= 0.25 and layer.weight.std() > 0.05


def test_causal_attention_is_scaled_dot_product_attention_with_a_causal_mask():
    ca = build(1, lambda: book.CausalAttention(4, 3, 8, 0.0))
    x = torch.rand(2, 6, 4)
    expected = F.scaled_dot_product_attention(ca.W_query(x), ca.W_key(x), ca.W_value(x), is_causal=True)
    assert torch.allclose(ca(x), expected, atol=1e-6)


def test_self_attention_v2_is_scaled_dot_product_attention():
    sa = build(2, lambda: book.SelfAttention_v2(4, 3, qkv_bias=True))
    x = torch.rand(5, 4)
    expected = F.scaled_dot_product_attention(sa.W_query(x), sa.W_key(x), sa.W_value(x))
    assert torch.allclose(sa(x), expected, atol=1e-6)


def test_forward_steps_are_the_modules_own_operations():
    ca = build(3, lambda: book.CausalAttention(6, 4, 9, 0.0)).eval()
    x = torch.rand(2, 5, 6)
    steps = forward_steps(ca, x)
    names = [name for name, _ in steps]
    assert names[0] == "x" and names[-1] == "output" and names.count("linear") == 3
    assert torch.allclose(steps[-1][1], ca(x), atol=1e-6)
    # the recorded softmax is the attention the module applied: torch's own attention agrees
    weights = next(t for name, t in steps if name == "softmax")
    q, k, v = ca.W_query(x), ca.W_key(x), ca.W_value(x)
    assert torch.allclose(weights @ v, F.scaled_dot_product_attention(q, k, v, is_causal=True), atol=1e-6)


def test_forward_steps_compute_nothing_themselves():
    class Empty(nn.Module):
        def forward(self, x):
            return x

    class CallsTheTracer(nn.Module):  # a forward that asks the tracer for an answer gets no answer
        def forward(self, x):
            return forward_steps(self, x)[-1][1]

    x = torch.rand(1, 3, 2)
    assert [name for name, _ in forward_steps(Empty(), x)] == ["x", "output"]
    with pytest.raises(RecursionError):
        forward_steps(CallsTheTracer(), x)


def test_pattern_dropout_is_fixed_scaled_and_off_in_eval_mode():
    drop = PatternDropout(0.5)
    x = torch.ones(2, 6, 6)
    out = drop(x)
    assert torch.equal(out, drop(x))  # the same pattern every call
    assert set(out.unique().tolist()) == {0.0, 2.0}
    assert 0.25 < float((out == 0).float().mean()) < 0.4
    assert torch.equal(drop.eval()(x), x)


def test_pattern_dropout_tells_where_dropout_is_applied():
    class DropScores(book.CausalAttention):
        def forward(self, x):
            b, num_tokens, _ = x.shape
            keys, queries, values = self.W_key(x), self.W_query(x), self.W_value(x)
            scores = (queries @ keys.transpose(1, 2)).masked_fill(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
            return torch.softmax(self.dropout(scores) / keys.shape[-1]**0.5, dim=-1) @ values

    x = torch.rand(2, 6, 4)
    right = with_pattern_dropout(build(4, lambda: book.CausalAttention(4, 3, 8, 0.5)))(x)
    wrong = with_pattern_dropout(build(4, lambda: DropScores(4, 3, 8, 0.5)))(x)
    no_dropout = build(4, lambda: book.CausalAttention(4, 3, 8, 0.5)).eval()(x)
    assert not torch.allclose(right, wrong, atol=1e-4) and not torch.allclose(right, no_dropout, atol=1e-4)


def test_buffer_flags():
    class PlainMask(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = torch.ones(2, 2)

    assert buffer_flags(book.CausalAttention(3, 2, 6, 0.0), "mask").tolist() == [1, 0]
    assert buffer_flags(PlainMask(), "mask").tolist() == [0, 0]


def test_sdpa_gap_is_zero_only_for_a_right_causal_attention():
    q, k, v = torch.randn(3, 2, 4, 5, 8).unbind(0)  # batch 2, 4 heads, 5 tokens, d_k 8
    scores = q @ k.transpose(-2, -1)
    future = torch.triu(torch.ones(5, 5), diagonal=1).bool()
    right = torch.softmax(scores.masked_fill(future, -torch.inf) / 8**0.5, dim=-1) @ v
    assert sdpa_gap(right, q, k, v).abs().max() < 1e-6
    unscaled = torch.softmax(scores.masked_fill(future, -torch.inf), dim=-1) @ v
    not_causal = torch.softmax(scores / 8**0.5, dim=-1) @ v
    diagonal_kept_out = torch.softmax(scores.masked_fill(torch.triu(torch.ones(5, 5)).bool(), -torch.inf) / 8**0.5, dim=-1) @ v
    assert sdpa_gap(unscaled, q, k, v).abs().max() > 1e-2 and sdpa_gap(not_causal, q, k, v).abs().max() > 1e-2
    assert sdpa_gap(diagonal_kept_out, q, k, v).isnan().any()
