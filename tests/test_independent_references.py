"""Every recorded reference, recomputed from its inputs with torch alone.

The references are recorded by running solutions/ (authoring/record.py), and test_references.py
compares them with a fresh recording: a wrong solution would be its own reference. Here each
stored value is computed another way, from the same inputs (the book's six-token `inputs`, the
seeds the notebooks' checks use), with PyTorch's own attention
(`F.scaled_dot_product_attention`, `nn.MultiheadAttention` with copied weights), closed-form
counts and shapes, and softmax or normalisation by formula, never with the solutions' code.

The inputs are rebuilt as the checks build them: weights loaded by name with `probes.load_by_name`
(the course's rule for a check's weights: an input, not an answer) into plain nn.Linear layers
named as the exercise's class names them, or the book's draws after torch.manual_seed.

Known mistakes (`name~mistake`) are not answers: each is checked to differ from the independent
reference, since a mistake equal to the answer would diagnose a right answer as wrong.
"""
from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from autograde.kernel.probes import load_by_name
from autograde.verdict import diagnose, references

INPUTS = torch.tensor([[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64],
                       [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]])  # the book's "Your journey starts with one step"
BATCH = torch.stack((INPUTS, INPUTS))


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """torch's generator at `seed`, as the notebooks' `seeded(N)` sets it (no secret here)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield


def drawn(seed: int, draw: Callable[[], object]):
    with seeded(seed):
        return draw()


# --- attention by PyTorch -------------------------------------------------------------------

def weights(queries: torch.Tensor, keys: torch.Tensor, *, scale: float | None = None, causal: bool = False) -> torch.Tensor:
    """Attention weights from PyTorch's attention: its output on identity values is the weights."""
    eye = torch.eye(keys.shape[-2]).expand(*keys.shape[:-2], keys.shape[-2], keys.shape[-2])
    return F.scaled_dot_product_attention(queries, keys, eye, scale=scale, is_causal=causal)


def attend(x: torch.Tensor, linears: dict[str, nn.Linear], *, causal: bool, dropout: float | None = None) -> torch.Tensor:
    """One head's context vectors from PyTorch's attention; `dropout`: the checks' PatternDropout(p)."""
    q, k, v = (linears[n](x) for n in ("W_query", "W_key", "W_value"))
    if dropout is None:
        return F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return pattern_dropped(weights(q, k, causal=causal), dropout) @ v


def pattern_dropped(w: torch.Tensor, p: float) -> torch.Tensor:
    """probes.PatternDropout's definition: (i, j) of the last two dimensions zeroed when (i + 2j) % 3 == 1."""
    i, j = torch.arange(w.shape[-2])[:, None], torch.arange(w.shape[-1])[None, :]
    return torch.where((i + 2 * j) % 3 == 1, 0.0, w / (1 - p))


def linears(d_in: int, d_out: int, *, bias: bool = False, out_proj: bool = False) -> nn.Module:
    """Plain nn.Linear layers named as the book's classes name theirs (W_query, W_key, W_value, out_proj)."""
    holder = nn.Module()
    for name in ("W_query", "W_key", "W_value"):
        holder.add_module(name, nn.Linear(d_in, d_out, bias=bias))
    if out_proj:
        holder.out_proj = nn.Linear(d_out, d_out)
    return holder


def by_name(seed: int, module: nn.Module) -> nn.Module:
    """The weights a check's `build(seed, …)` gives a module with these parameter names."""
    return load_by_name(module, seed)


def book_draws(seed: int, make: Callable[[], nn.Module]) -> nn.Module:
    """Layers created right after torch.manual_seed(seed), in the book's order: the book's weights."""
    return drawn(seed, make)


def heads(n: int, d_in: int, d_out: int, *, bias: bool = False) -> nn.Module:
    holder = nn.Module()
    holder.heads = nn.ModuleList(linears(d_in, d_out, bias=bias) for _ in range(n))
    return holder


def wrapper(holder: nn.Module, x: torch.Tensor, dropout: float | None = None) -> torch.Tensor:
    """MultiHeadAttentionWrapper: each head's causal attention, side by side."""
    return torch.cat([attend(x, dict(h.named_children()), causal=True, dropout=dropout) for h in holder.heads], dim=-1)


def multi_head(holder: nn.Module, x: torch.Tensor, num_heads: int) -> torch.Tensor:
    """MultiHeadAttention's output from nn.MultiheadAttention with the holder's weights copied in."""
    d_out, d_in = holder.W_query.weight.shape
    bias = holder.W_query.bias is not None
    same = d_in == d_out  # else PyTorch's query input must already be d_out wide: project it, then an identity
    mha = nn.MultiheadAttention(d_out, num_heads, bias=True, batch_first=True, kdim=d_in, vdim=d_in)

    def bias_of(layer: nn.Linear) -> torch.Tensor:
        return layer.bias if bias else torch.zeros(d_out)

    with torch.no_grad():
        w_q = holder.W_query.weight if same else torch.eye(d_out)
        b_q = bias_of(holder.W_query) if same else torch.zeros(d_out)
        if same:
            mha.in_proj_weight.copy_(torch.cat([w_q, holder.W_key.weight, holder.W_value.weight]))
        else:
            mha.q_proj_weight.copy_(w_q)
            mha.k_proj_weight.copy_(holder.W_key.weight)
            mha.v_proj_weight.copy_(holder.W_value.weight)
        mha.in_proj_bias.copy_(torch.cat([b_q, bias_of(holder.W_key), bias_of(holder.W_value)]))
        mha.out_proj.weight.copy_(holder.out_proj.weight)
        mha.out_proj.bias.copy_(holder.out_proj.bias)
        query = x if same else holder.W_query(x)
        future = torch.ones(x.shape[-2], x.shape[-2], dtype=torch.bool).triu(1)  # True: may not attend
        return mha(query, x, x, attn_mask=future, need_weights=False)[0]


def multi_head_pattern_dropout(holder: nn.Module, x: torch.Tensor, num_heads: int, p: float) -> torch.Tensor:
    """MultiHeadAttention in training mode under the checks' pattern dropout: the heads' weights
    from PyTorch's attention, the pattern, then out_proj."""
    b, n, _ = x.shape

    def split(t: torch.Tensor) -> torch.Tensor:
        return t.unflatten(-1, (num_heads, -1)).transpose(1, 2)

    q, k, v = (split(getattr(holder, name)(x)) for name in ("W_query", "W_key", "W_value"))
    context = pattern_dropped(weights(q, k, causal=True), p) @ v
    return holder.out_proj(context.transpose(1, 2).flatten(-2))


def mha_shapes(b: int, n: int, d_out: int, h: int) -> torch.Tensor:
    return torch.tensor([b, h, n, d_out // h, b, h, n, n, b, h, n, d_out // h, b, n, d_out])


def mha_parameters(d_in: int, d_out: int, qkv_bias: bool = False) -> int:
    """Closed form: three d_in x d_out projections (and their biases), and out_proj's weight and bias."""
    return 3 * (d_in * d_out + d_out * qkv_bias) + d_out * d_out + d_out


def scalar(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float32)


def count(value: int) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.int64)


def masked_future(scores: torch.Tensor) -> torch.Tensor:
    n = scores.shape[-1]
    return torch.where(torch.ones(n, n, dtype=torch.bool).tril(), scores, -torch.inf)


def cosines(x: torch.Tensor) -> torch.Tensor:
    return F.cosine_similarity(x[:, None, :], x[None, :, :], dim=-1)


# --- the recomputations, notebook by notebook -----------------------------------------------

def notebook_01() -> dict[str, torch.Tensor]:
    x2 = INPUTS[1]  # "journey"
    small = torch.tensor([[1.0, 2.0], [0.0, 1.0], [3.0, -1.0]])
    other = drawn(31, lambda: torch.rand(5, 4))
    inputs_33 = drawn(33, lambda: (torch.rand(4, 5), torch.softmax(torch.randn(4), dim=0)))
    inputs_34 = drawn(34, lambda: (torch.randn(6, 3), torch.softmax(torch.randn(6), dim=0)))
    sevens = drawn(32, lambda: torch.randn(7))
    return {
        "attn_scores_2": torch.mv(INPUTS, x2),
        "dot_scores(3 tokens x 2 dims)": torch.mv(small, torch.tensor([2.0, 1.0])),
        "dot_scores(other query)": torch.mv(INPUTS, INPUTS[4]),
        "dot_scores(5 tokens x 4 dims)": torch.mv(other, other[2]),
        "attn_weights_2": weights(x2[None], INPUTS, scale=1.0)[0],
        "softmax_naive(3 scores)": F.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0),
        "softmax_naive(7 scores)": F.softmax(sevens, dim=0),
        "softmax_naive(negative scores)": F.softmax(torch.tensor([-2.0, 0.5, -0.25, 3.0]), dim=0),
        "context_vec_2": F.scaled_dot_product_attention(x2[None], INPUTS, INPUTS, scale=1.0)[0],
        "context_vector(3 tokens x 2 dims)": torch.mv(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]).T, torch.tensor([0.5, 0.25, 0.25])),
        "context_vector(4 tokens x 5 dims)": torch.mv(inputs_33[0].T, inputs_33[1]),
        "context_vector(6 tokens x 3 dims, negative inputs)": torch.mv(inputs_34[0].T, inputs_34[1]),
    }


def notebook_02() -> dict[str, torch.Tensor]:
    four_by_five, seven_by_two = drawn(41, lambda: (torch.rand(4, 5), torch.rand(7, 2)))
    batch_scores, wide_scores = drawn(42, lambda: (torch.randn(2, 5, 5), torch.randn(3, 4)))
    w5, x5, wb, xb = drawn(43, lambda: (torch.softmax(torch.randn(5, 5), dim=1), torch.rand(5, 2),
                                        torch.softmax(torch.randn(2, 4, 4), dim=2), torch.rand(2, 4, 3)))
    cos5, cos7 = drawn(71, lambda: (torch.rand(5, 4), torch.randn(7, 2)))
    signed, other = drawn(44, lambda: (torch.randn(3, 5, 4), torch.rand(2, 4, 3)))
    abc = torch.tensor([[3.0, 4.0], [6.0, 8.0], [-4.0, 3.0]])
    d = torch.tensor([-3.0, -4.0])  # the fourth token of exercise 6b's text
    toy = torch.log(torch.tensor([[1.0, 3.0], [2.0, 2.0]]))  # scores whose softmax is 1:3 and 2:2
    two_by_three = torch.tensor([[[0.0, 1.0, 2.0], [1.0, 1.0, 0.0]], [[2.0, 0.0, 0.0], [0.0, 0.0, 3.0]]])

    def self_attention(batch: torch.Tensor) -> torch.Tensor:  # simplified: no weights, no scaling
        return F.scaled_dot_product_attention(batch, batch, batch, scale=1.0)

    return {
        "attn_scores": INPUTS @ INPUTS.T,
        "all_scores(2 tokens x 3 dims)": torch.einsum("id,jd->ij", *[torch.tensor([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0]])] * 2),
        "all_scores(4 tokens x 5 dims)": torch.einsum("id,jd->ij", four_by_five, four_by_five),
        "all_scores(7 tokens x 2 dims)": torch.einsum("id,jd->ij", seven_by_two, seven_by_two),
        "weights_rows (2x2 scores by hand)": torch.tensor([[1 / 4, 3 / 4], [1 / 2, 1 / 2]]),
        "weights_columns (2x2 scores by hand)": F.softmax(toy, dim=0),
        "weights_shifted (10, 10 + ln 2, 10 + ln 5)": F.softmax(torch.tensor([10.0, 10 + math.log(2), 10 + math.log(5)]), dim=0),
        "weights_equal (four equal scores)": F.softmax(torch.zeros(4), dim=0),
        "attn_weights": weights(INPUTS, INPUTS, scale=1.0),
        # raw scores as queries against identity keys: PyTorch's attention weights are their softmax
        "attention_weights(batch 2, 2x3 scores)": weights(two_by_three, torch.eye(3).expand(2, 3, 3), scale=1.0),
        "attention_weights(batch 2, 5x5 scores)": weights(batch_scores, torch.eye(5).expand(2, 5, 5), scale=1.0),
        "attention_weights(3x4 scores)": weights(wide_scores, torch.eye(4), scale=1.0),
        "all_context_vecs": self_attention(INPUTS),
        "all_context_vectors(batch 2, 2 tokens x 2 dims)": torch.einsum(
            "bij,bjd->bid", torch.tensor([[[1.0, 0.0], [0.5, 0.5]], [[0.25, 0.75], [0.0, 1.0]]]),
            torch.tensor([[[1.0, 2.0], [3.0, 4.0]], [[0.0, 1.0], [2.0, 0.0]]])),
        "all_context_vectors(5 tokens x 2 dims)": torch.einsum("ij,jd->id", w5, x5),
        "all_context_vectors(batch 2, 4 tokens x 3 dims)": torch.einsum("bij,bjd->bid", wb, xb),
        "dots_abc (a, b, c by hand)": torch.einsum("id,jd->ij", abc, abc),
        "cosines_abc (a, b, c by hand)": cosines(abc),
        "dot_a_d (by hand)": torch.dot(abc[0], d),
        "cosine_b_d (by hand)": F.cosine_similarity(abc[1], d, dim=0),
        "cos_scores": cosines(INPUTS),
        "cosine_scores(3 tokens x 2 dims)": cosines(torch.tensor([[3.0, 4.0], [1.0, 0.0], [6.0, 8.0]])),
        "cosine_scores(5 tokens x 4 dims)": cosines(cos5),
        "cosine_scores(7 tokens x 2 dims)": cosines(cos7),
        "fixed_self_attention(the sentence, and backwards)": self_attention(torch.stack((INPUTS, INPUTS.flip(0)))),
        "fixed_self_attention(1 x 3 tokens x 2 dims)": self_attention(torch.tensor([[[1.0, -1.0], [0.5, 2.0], [-1.5, 0.0]]])),
        "fixed_self_attention(3 x 5 tokens x 4 dims)": self_attention(signed),
        "fixed_self_attention(2 x 4 tokens x 3 dims)": self_attention(other),
    }


def notebook_03() -> dict[str, torch.Tensor]:
    # the book's W_query, W_key, W_value: torch.rand(3, 2) three times after torch.manual_seed(123)
    w_q, w_k, w_v = drawn(123, lambda: [torch.rand(3, 2) for _ in range(3)])
    q2, keys = INPUTS[1] @ w_q, INPUTS @ w_k
    keys_a, query_a = drawn(71, lambda: (torch.rand(5, 4), torch.rand(4)))
    keys_b, query_b = drawn(72, lambda: (torch.randn(9, 8), torch.randn(8)))
    keys_c, queries_c = drawn(73, lambda: (torch.rand(6, 4), torch.rand(6, 4)))
    keys_d, query_d = drawn(74, lambda: (2 * torch.randn(3, 8), 2 * torch.randn(8)))

    def v1(seed: int, d_in: int, d_out: int, x: torch.Tensor) -> torch.Tensor:
        """SelfAttention_v1 (matrices held as (d_in, d_out) parameters) under build(seed, …)."""
        holder = nn.Module()
        for name in ("W_query", "W_key", "W_value"):
            holder.register_parameter(name, nn.Parameter(torch.empty(d_in, d_out)))
        by_name(seed, holder)
        return F.scaled_dot_product_attention(x @ holder.W_query, x @ holder.W_key, x @ holder.W_value)

    def v2(seed: int, d_in: int, d_out: int, x: torch.Tensor, bias: bool = False) -> torch.Tensor:
        return attend(x, dict(by_name(seed, linears(d_in, d_out, bias=bias)).named_children()), causal=False)

    def v2_weights(seed: int, d_in: int, d_out: int) -> torch.Tensor:
        """copy_weights: SelfAttention_v1's matrices are the transposed nn.Linear weights of v2."""
        layers = by_name(seed, linears(d_in, d_out))
        return torch.stack([layers.W_query.weight.T, layers.W_key.weight.T, layers.W_value.weight.T])

    book_v2 = book_draws(789, lambda: linears(3, 2))
    book_v2_123 = book_draws(123, lambda: linears(3, 2))
    x80, x90, x100 = (drawn(s, lambda: torch.rand(4, 5)) for s in (80, 90, 100))
    return {
        # the standard deviation of a sum of d_k products of independent standard normals: sqrt(d_k)
        **{f"score_spread({d})": scalar(math.sqrt(d)) for d in (64, 2, 512, 3)},
        "query_2": q2,
        "keys": keys,
        "attn_weights_2 scaled by sqrt(d_k)": weights(q2[None], keys)[0],
        "scaled_attention_weights(2 queries, 3 keys of size 4)": weights(
            torch.tensor([[1.0, 0.0, 1.0, 0.0], [0.0, 2.0, 0.0, 1.0]]),
            torch.tensor([[1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 1.0, 0.0], [2.0, 0.0, 0.0, 1.0]])),
        "scaled_attention_weights(d_k 4, 5 tokens)": weights(query_a[None], keys_a)[0],
        "scaled_attention_weights(d_k 8, 9 tokens)": weights(query_b[None], keys_b)[0],
        "scaled_attention_weights(6 queries at once, d_k 4)": weights(queries_c, keys_c),
        "scaled_attention_weights(d_k 8, 3 tokens, large scores)": weights(query_d[None], keys_d)[0],
        "sa_v1(inputs)": F.scaled_dot_product_attention(INPUTS @ w_q, INPUTS @ w_k, INPUTS @ w_v),
        "SelfAttention_v1(d_in 5, d_out 3, 4 tokens)": v1(80, 5, 3, x80),
        "SelfAttention_v1(d_in 4, d_out 3, 5 tokens)": v1(81, 4, 3, drawn(81, lambda: torch.rand(5, 4))),
        "SelfAttention_v1(d_in 5, d_out 2, 8 tokens)": v1(82, 5, 2, drawn(82, lambda: torch.rand(8, 5))),
        "sa_v2(inputs)": attend(INPUTS, dict(book_v2.named_children()), causal=False),
        "SelfAttention_v2(d_in 5, d_out 3, qkv_bias, 4 tokens)": v2(90, 5, 3, x90, bias=True),
        "SelfAttention_v2(d_in 4, d_out 3, 5 tokens)": v2(91, 4, 3, drawn(91, lambda: torch.rand(5, 4))),
        "SelfAttention_v2(d_in 4 = d_out 4, 6 tokens)": v2(92, 4, 4, drawn(92, lambda: torch.rand(6, 4))),
        "SelfAttention_v2(qkv_bias=True, 4 tokens)": v2(93, 3, 2, drawn(93, lambda: torch.rand(4, 3)), bias=True),
        "SelfAttention_v2(d_in 6, d_out 3, 10 tokens)": v2(94, 6, 3, drawn(94, lambda: torch.rand(10, 6))),
        "sa_v1 weights after copy_weights": torch.stack([book_v2_123.W_query.weight.T, book_v2_123.W_key.weight.T,
                                                         book_v2_123.W_value.weight.T]),
        "sa_v1(inputs) after copy_weights": attend(INPUTS, dict(book_v2_123.named_children()), causal=False),
        "copy_weights(d_in 5, d_out 3): output, 4 tokens": v2(100, 5, 3, x100),
        "copy_weights(d_in 4, d_out 3): weights": v2_weights(101, 4, 3),
        "copy_weights(d_in 4, d_out 3): output, 5 tokens": v2(101, 4, 3, drawn(101, lambda: torch.rand(5, 4))),
        "copy_weights(d_in 4 = d_out 4): weights": v2_weights(102, 4, 4),
        "copy_weights(d_in 4 = d_out 4): output, 7 tokens": v2(102, 4, 4, drawn(102, lambda: torch.rand(7, 4))),
    }


def notebook_04() -> dict[str, torch.Tensor]:
    book = book_draws(789, lambda: linears(3, 2))  # the book's SelfAttention_v2 after torch.manual_seed(789)
    queries, keys = book.W_query(INPUTS), book.W_key(INPUTS)
    scores_8, scores_b = drawn(411, lambda: (torch.randn(8, 8), torch.randn(2, 5, 5)))
    scores_7, scores_3b = drawn(412, lambda: (torch.randn(7, 7), torch.randn(3, 5, 5)))
    batch_weights, wide_weights = drawn(413, lambda: (torch.rand(2, 5, 5).tril(), torch.rand(3, 4)))
    hq, hk, lq, lk = drawn(416, lambda: (torch.randn(3, 5, 8), torch.randn(3, 5, 8), torch.randn(1, 7, 2), torch.randn(1, 7, 2)))
    x410, x413 = drawn(410, lambda: torch.rand(2, 4, 5)), drawn(413, lambda: torch.rand(3, 5, 4))
    given = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])

    def causal_weights_of(scores: torch.Tensor, d_k: int) -> torch.Tensor:
        """Raw scores as queries against identity keys: PyTorch's causal weights of those scores."""
        n = scores.shape[-1]
        return weights(scores, torch.eye(n).expand(*scores.shape[:-2], n, n), scale=d_k**-0.5, causal=True)

    def hidden_diagonal(n: int) -> torch.Tensor:
        """softmax of equal scores with the diagonal masked too: row 1 is all -inf, NaN."""
        return torch.softmax(torch.zeros(n, n).masked_fill(torch.ones(n, n, dtype=torch.bool).triu(), -torch.inf), dim=-1)

    def survivor(p: float) -> torch.Tensor:
        """What nn.Dropout(p) makes of a kept 1, measured: the largest of its outputs on ones."""
        return drawn(0, lambda: nn.Dropout(p).train()(torch.ones(10_000)).max())

    def causal(seed: int, d_in: int, d_out: int, x: torch.Tensor, dropout: float | None = None) -> torch.Tensor:
        return attend(x, dict(by_name(seed, linears(d_in, d_out)).named_children()), causal=True, dropout=dropout)

    book_ca = book_draws(123, lambda: linears(3, 2))
    return {
        # zeroing the future and renormalising the rows is causal softmax
        "masked_simple_norm": weights(queries, keys, causal=True),
        "renormalise(2x2, rows summing to 4 and 2)": F.normalize(torch.tensor([[1.0, 3.0], [1.0, 1.0]]), p=1, dim=-1),
        "renormalise(batch 2 x 5x5)": F.normalize(batch_weights, p=1, dim=-1),
        "renormalise(3x4)": F.normalize(wide_weights, p=1, dim=-1),
        "masked": masked_future(queries @ keys.T),
        "causal_scores(batch 2 x 3x3)": masked_future(torch.arange(18.0).view(2, 3, 3)),
        "causal_scores(8x8)": masked_future(scores_8),
        "causal_scores(batch 2 x 5x5)": masked_future(scores_b),
        "attn_weights (causal)": weights(queries, keys, causal=True),
        "causal_attention_weights(3x3, d_k=4)": causal_weights_of(given, 4),
        "causal_attention_weights(7x7, d_k=4)": causal_weights_of(scores_7, 4),
        "causal_attention_weights(batch 3 x 5x5, d_k=16)": causal_weights_of(scores_3b, 16),
        # a right answer minus PyTorch's own causal attention: zero, up to float rounding
        "causal_attention_weights(2 x 4 heads x 5x5, d_k=8) @ v minus scaled_dot_product_attention(is_causal=True)": torch.zeros(2, 4, 5, 8),
        "fixed_causal_weights(batch of the book's queries and keys)": weights(torch.stack((queries, queries)), torch.stack((keys, keys)), causal=True),
        "fixed_causal_weights(1 x 3 tokens, d_k 4)": weights(
            torch.tensor([[[1.0, 0.0, 2.0, 1.0], [0.0, 1.0, 1.0, 0.0], [2.0, 1.0, 0.0, 1.0]]]),
            torch.tensor([[[0.5, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 2.0], [0.0, 2.0, 1.0, 0.0]]]), causal=True),
        "fixed_causal_weights(3 x 5 tokens, d_k 8)": weights(hq, hk, causal=True),
        "fixed_causal_weights(1 x 7 tokens, d_k 2)": weights(lq, lk, causal=True),
        **{f"survivor_value({p})": survivor(p) for p in (0.2, 0.75, 0.1)},
        **{f"diagonal_hidden_weights({n}): where it is NaN": torch.isnan(hidden_diagonal(n)) for n in (3, 5)},
        **{f"diagonal_hidden_weights({n}): its numbers, NaN read as 0": torch.nan_to_num(hidden_diagonal(n)) for n in (3, 5)},
        "context_vecs (CausalAttention)": attend(BATCH, dict(book_ca.named_children()), causal=True),
        # [a registered buffer, a parameter]: the mask is state, not something to train
        "ca: the mask is a registered buffer, not a parameter": torch.tensor([1, 0]),
        "CausalAttention(book batch, training mode, pattern dropout)": causal(417, 3, 2, BATCH, dropout=0.5),
        "CausalAttention(batch 2, 4 of 8 tokens, d_in 5, d_out 3)": causal(410, 5, 3, x410),
        "CausalAttention(batch 3, 5 tokens, context_length 8)": causal(413, 4, 3, x413),
        "CausalAttention(dropout 0.5, eval mode)": causal(414, 4, 3, x413),
        "CausalAttention(training mode, pattern dropout, 5 of 8 tokens)": causal(415, 4, 3, x413, dropout=0.5),
        "CausalAttention(2 x 7 of 10 tokens) minus scaled_dot_product_attention(is_causal=True)": torch.zeros(2, 7, 4),
    }


def notebook_05() -> dict[str, torch.Tensor]:
    x140, x141 = drawn(140, lambda: torch.rand(1, 4, 5)), drawn(141, lambda: torch.rand(3, 4, 5))
    x150, x151 = drawn(150, lambda: torch.rand(2, 5, 6)), drawn(151, lambda: torch.rand(3, 5, 6))
    # the book's wrapper after torch.manual_seed(123): its heads' layers drawn one head after the other
    book_wrapper = book_draws(123, lambda: heads(2, 3, 2))
    book_mha = book_draws(123, lambda: linears(3, 2, out_proj=True))

    def mha(seed: int, d_in: int, d_out: int, h: int, x: torch.Tensor, bias: bool = False) -> torch.Tensor:
        return multi_head(by_name(seed, linears(d_in, d_out, bias=bias, out_proj=True)), x, h)

    return {
        "context_vecs (wrapper, 2 heads)": wrapper(book_wrapper, BATCH),
        "mha: parameters PyTorch sees": count(2 * 3 * 3 * 2),  # 2 heads of three 3 x 2 matrices, no bias
        "MultiHeadAttentionWrapper(3 heads, 4 of 7 tokens)": wrapper(by_name(140, heads(3, 5, 3)), x140),
        "MultiHeadAttentionWrapper(3 heads, batch 3, 4 of 7 tokens)": wrapper(by_name(142, heads(3, 5, 3)), x141),
        "MultiHeadAttentionWrapper(2 heads, qkv_bias, full context)": wrapper(by_name(143, heads(2, 5, 4, bias=True)), x141),
        "mha_shapes(book: b 2, 6 tokens, d_in 3, d_out 2, 2 heads)": mha_shapes(2, 6, 2, 2),
        "mha_shapes(b 1, 4 tokens, d_in 8, d_out 12, 3 heads)": mha_shapes(1, 4, 12, 3),
        "mha_shapes(b 3, 5 tokens, d_in 6, d_out 8, 4 heads)": mha_shapes(3, 5, 8, 4),
        "mha_shapes(GPT-2: b 2, 1024 tokens, 768, 768, 12 heads)": mha_shapes(2, 1024, 768, 12),
        "context_vecs (MultiHeadAttention, 2 heads)": multi_head(book_mha, BATCH, 2),
        "MultiHeadAttention(4 heads, d_out 8, batch 2, 5 of 9 tokens)": mha(150, 6, 8, 4, x150),
        "MultiHeadAttention(2 heads, d_out 6, batch 3, 5 of 7 tokens)": mha(152, 6, 6, 2, x151),
        "MultiHeadAttention(3 heads, qkv_bias, full context)": mha(153, 6, 6, 3, x151, bias=True),
        "MultiHeadAttention rejects d_out not divisible by num_heads": torch.tensor(6 % 4 != 0),
        "MultiHeadAttention(training mode, pattern dropout)": multi_head_pattern_dropout(
            by_name(155, linears(6, 8, out_proj=True)), x151, 4, 0.5),
    }


def notebook_06() -> dict[str, torch.Tensor]:
    x160, x161 = drawn(160, lambda: torch.rand(1, 5, 4)), drawn(161, lambda: torch.rand(3, 5, 4))
    return {
        # exercise 3.2: output 2 from 2 heads is d_out 1 per head, the book's draws after seed 123
        "context_vecs (exercise 3.2, 2 heads, output 2)": wrapper(book_draws(123, lambda: heads(2, 3, 1)), BATCH),
        "wrapper_with_output_dim(output 6, 3 heads, 5 of 8 tokens)": wrapper(by_name(160, heads(3, 4, 2)), x160),
        "wrapper_with_output_dim(output 12, 4 heads, 5 of 8 tokens)": wrapper(by_name(162, heads(4, 4, 3)), x161),
        "wrapper_with_output_dim(output 8, 2 heads, full context)": wrapper(by_name(163, heads(2, 4, 4)), x161),
        "count_parameters(GPT-2-sized MultiHeadAttention)": count(mha_parameters(768, 768)),
        "count_parameters(nn.Linear(3, 2))": count(3 * 2 + 2),
        "count_parameters(MultiHeadAttention with qkv_bias)": count(mha_parameters(6, 8, qkv_bias=True)),
        "gpt2_attention() heads, head_dim and mask shape": torch.tensor([12, 768 // 12, 1024, 1024]),
        "mha_parameter_count(768, 768, 12)": count(mha_parameters(768, 768)),
        "mha_parameter_count(3, 2, 2)": count(mha_parameters(3, 2)),
        "mha_parameter_count(6, 8, 2, qkv_bias=True)": count(mha_parameters(6, 8, qkv_bias=True)),
        "mha_parameter_count(4096, 4096, 32, qkv_bias=True)": count(mha_parameters(4096, 4096, qkv_bias=True)),
        "mha_parameter_count(5, 4, 1)": count(mha_parameters(5, 4)),
        # MultiHeadAttention's one extra layer over a wrapper of the same width: out_proj
        **{f"extra_parameters({i}, {o}, {h})": count(o * o + o) for i, o, h in ((3, 2, 2), (768, 768, 12), (6, 8, 4), (10, 12, 3))},
    }


def notebook_07() -> dict[str, torch.Tensor]:
    vocab_size, context_length = 8, 8

    def encode(ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[-1]).expand(ids.shape)
        return torch.cat([F.one_hot(ids, vocab_size), F.one_hot(positions, context_length)], dim=-1).float()

    def trained(seed: int, ids: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """PreviousTokenModel (one causal head of 4, then a linear layer) trained by plain gradient
        descent, lr 1.0 (SGD's step by its formula), on predicting the previous token: its losses
        and its weights sorted by name."""
        model = nn.Module()
        model.attention = linears(vocab_size + context_length, 4)
        model.out = nn.Linear(4, vocab_size)
        by_name(seed, model)
        targets = torch.cat([ids[..., :1], ids[..., :-1]], dim=-1)
        losses = []
        for _ in range(steps):
            logits = model.out(attend(encode(ids), dict(model.attention.named_children()), causal=True))
            loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
            gradients = torch.autograd.grad(loss, list(model.parameters()))  # this step's alone
            with torch.no_grad():
                for parameter, gradient in zip(model.parameters(), gradients):
                    parameter -= 1.0 * gradient
            losses.append(loss.item())
        return torch.tensor(losses), torch.cat([p.detach().flatten() for _, p in sorted(model.named_parameters())])

    few = trained(727, drawn(727, lambda: torch.randint(0, vocab_size, (4, context_length))), 2)
    short = trained(728, drawn(728, lambda: torch.randint(0, vocab_size, (6, 5))), 3)

    def pattern(n: int) -> torch.Tensor:  # each token on the one before it, the first on itself
        return F.one_hot((torch.arange(n) - 1).clamp(min=0), n).float()

    def uniform(v: int) -> torch.Tensor:  # cross-entropy of equal logits, whatever the target
        return F.cross_entropy(torch.zeros(1, v), torch.tensor([0]))

    return {
        **{f"previous_token_pattern({n})": pattern(n) for n in (8, 3, 12, 1)},
        **{f"uniform_loss({v})": uniform(v) for v in (8, 2, 5)},
        "uniform_loss(50257), GPT-2's vocabulary": uniform(50257),
        "train(4 sequences, 2 steps): losses": few[0],
        "train(4 sequences, 2 steps): weights after": few[1],
        "train(6 sequences of 5 tokens, 3 steps): losses": short[0],
        "train(6 sequences of 5 tokens, 3 steps): weights after": short[1],
        # a designed head that works puts more than 0.9 on the token before in every row: all ones
        "previous_token_weights(8, 8) on the example sentence": torch.ones(8, dtype=torch.int64),
        "previous_token_weights(8, 8) on 'the' 8 times": torch.ones(8, dtype=torch.int64),
        "previous_token_weights(5, 12) on 12 tokens": torch.ones(12, dtype=torch.int64),
        "previous_token_weights(10, 6) on 4 of 6 tokens": torch.ones(4, dtype=torch.int64),
    }


# References with no independent recomputation, each with its reason (none today: every
# reference above is recomputed, notebook 7's training included).
NOT_RECOMPUTED: dict[str, str] = {}


@pytest.fixture(scope="module")
def stored() -> dict[str, torch.Tensor]:
    refs = references.load()
    assert not refs.visible.keys() & refs.hidden.keys()
    return {**refs.visible, **refs.hidden}


@pytest.fixture(scope="module")
def recomputed() -> dict[str, torch.Tensor]:
    found: dict[str, torch.Tensor] = {}
    for notebook in (notebook_01, notebook_02, notebook_03, notebook_04, notebook_05, notebook_06, notebook_07):
        with torch.no_grad() if notebook is not notebook_07 else contextlib.nullcontext():
            values = notebook()
        assert not found.keys() & values.keys()
        found.update(values)
    return found


def answers(stored: dict[str, torch.Tensor]) -> list[str]:
    return sorted(n for n in stored if references.MISTAKE_SEP not in n)


def test_every_reference_is_recomputed_independently(stored, recomputed):
    names = answers(stored)
    assert len(names) > 100  # the course's references were read
    missing = [n for n in names if n not in recomputed and n not in NOT_RECOMPUTED]
    assert not missing, f"no independent recomputation for: {missing}"
    assert not set(recomputed) - set(names), "recomputed values with no stored reference (a renamed check?)"


def test_the_references_equal_their_independent_recomputation(stored, recomputed):
    wrong = []
    for name in answers(stored):
        if name in NOT_RECOMPUTED:
            continue
        try:  # float32's own tolerance: the same value computed another way, never bit for bit
            torch.testing.assert_close(stored[name], recomputed[name].detach(), equal_nan=True)
        except AssertionError as e:
            wrong.append(f"{name}: {e}")
    assert not wrong, "\n\n".join(wrong)


def test_no_known_mistake_equals_the_right_answer(stored, recomputed):
    """A mistake's value equal to the answer would diagnose a right answer as that mistake."""
    mistakes = [n for n in stored if references.MISTAKE_SEP in n]
    assert len(mistakes) > 100
    same = [n for n in mistakes
            if stored[n].shape == recomputed[n.split(references.MISTAKE_SEP)[0]].shape
            and torch.allclose(stored[n].double(), recomputed[n.split(references.MISTAKE_SEP)[0]].double(),
                               rtol=0, atol=diagnose.TOL, equal_nan=True)]
    assert not same, f"known mistakes whose value is the right answer: {same}"
