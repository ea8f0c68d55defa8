"""Naming the likely mistake behind a wrong value.

First the exact way: a mistake that the reference run reproduced (see mistakes.py) and
whose value the learner's matches. Then shape-free clues read off the reference itself:
attention weights sum to 1 along the last dimension, causal weights are zero above the
diagonal, dropout zeroes entries and scales the rest, a missing 1/sqrt(d_k) sharpens
every softmax by the same factor.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from .lazy_torch import torch


class Hint(NamedTuple):
    en: str
    zh: str
    mistake: str = ""  # a stable id: the catalogue's, or the clue's name (counted in the class report)


TOL = 1e-4


def catalogued(actual: torch.Tensor, mistakes: Mapping[str, torch.Tensor]) -> Hint | None:
    """The catalogued mistake that computes exactly `actual` (of any shape), if one does."""
    from .mistakes import MISTAKES  # the catalogue imports nothing heavy; late import avoids a cycle

    for mistake_id, value in mistakes.items():
        if value.shape == actual.shape and _close(actual, value):
            mistake = MISTAKES.get(mistake_id)
            if mistake is not None:
                return Hint(mistake.en, mistake.zh, mistake_id)
    return None


def likely_mistake(actual: torch.Tensor, expected: torch.Tensor, mistakes: Mapping[str, torch.Tensor]) -> Hint | None:
    known = catalogued(actual, mistakes)
    if known:
        return known
    if not actual.is_floating_point() or not expected.is_floating_point():
        return None
    for clue in (_wrong_softmax_dim, _masked_with_zero, _mask_off_by_one, _dropout_left_on, _not_normalised, _softmax_scale, _transposed, _constant_factor):
        hint = clue(actual.double(), expected.double())
        if hint:  # a clue with one outcome is named after itself
            return hint if isinstance(hint, Hint) else Hint(hint[0], hint[1], clue.__name__.strip("_").replace("_", "-"))
    return None


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    return bool(torch.allclose(a.double(), b.double(), rtol=1e-5, atol=1e-5, equal_nan=True))


def _is_weights(t: torch.Tensor) -> bool:
    """Non-negative, and every row sums to 1: attention weights."""
    return t.ndim >= 1 and t.numel() > 1 and bool((t >= 0).all()) and _close(t.sum(-1), torch.ones_like(t.sum(-1)))


def _is_causal(t: torch.Tensor) -> bool:
    return t.ndim >= 2 and t.shape[-1] == t.shape[-2] > 1 and bool((t.triu(1) == 0).all())


def _wrong_softmax_dim(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    if not _is_weights(expected) or actual.ndim < 2 or _is_weights(actual):
        return None
    columns = actual.sum(-2)
    if _close(columns, torch.ones_like(columns)):
        return Hint(
            "your weights sum to 1 down the columns, not along each row: softmax over dim=-1?",
            "你的权重是按列加起来等于 1，而不是每一行：softmax 应该用 dim=-1？",
            "softmax-over-columns",
        )
    if actual.ndim >= 3:
        over_batch = actual.sum(0)
        if _close(over_batch, torch.ones_like(over_batch)):
            return Hint(
                "your weights sum to 1 across the batch: softmax over dim=0? use dim=-1",
                "你的权重在批次维度上加起来等于 1：softmax 用了 dim=0？应使用 dim=-1",
                "softmax-over-batch",
            )
    return None


def explain_error(error: str, notebook: str | None = None) -> Hint | None:
    """The catalogued mistake whose error message `error` ("RuntimeError: ...") matches, among
    the mistakes of `notebook` (all notebooks when None)."""
    import re

    from .mistakes import MISTAKES

    for mistake in MISTAKES.values():
        if mistake.error and (notebook is None or mistake.notebook == notebook) and re.search(mistake.error, error):
            return Hint(mistake.en, mistake.zh, mistake.id)
    return None


def _masked_with_zero(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    """Causal weights whose future entries are positive and equal within each row: the future
    scores were set to 0 (exp(0) = 1 for every one of them), not to -inf."""
    if not _is_causal(expected) or not _is_weights(actual) or _is_causal(actual):
        return None
    n = actual.shape[-1]
    future = torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)
    values = actual[..., future]
    if not bool((values > 0).all()):
        return None
    rows = [actual[..., i, i + 1:] for i in range(n - 1)]
    if all(torch.allclose(r, r[..., :1].expand_as(r), rtol=1e-4, atol=1e-7) for r in rows):
        return (
            "the future tokens all get the same positive weight in a row: their scores were filled with 0, not -inf "
            "(softmax turns 0 into exp(0) = 1); fill with -torch.inf so that their weights are exactly 0",
            "同一行里未来的词元都得到了相同的正权重：它们的分数被填成了 0 而不是 -inf（softmax 会把 0 变成 exp(0) = 1）；"
            "请填入 -torch.inf，使它们的权重恰好为 0",
        )
    return None


def _mask_off_by_one(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    if not _is_causal(expected) or bool((expected.diagonal(dim1=-2, dim2=-1) == 0).all()):
        return None
    if torch.isnan(actual).any() or bool((actual.diagonal(dim1=-2, dim2=-1) == 0).all()):
        return Hint(
            "the diagonal is masked too: each token must still see itself (mask off by one: triu(..., diagonal=1))",
            "对角线也被遮住了：每个词元仍应能看到自己（掩码差了一位：triu(..., diagonal=1)）",
            "mask-off-by-one",
        )
    if bool((actual.triu(2) == 0).all()) and bool((actual.diagonal(1, dim1=-2, dim2=-1) != 0).any()):
        return Hint(
            "each token sees the next one: the mask is off by one (mask above the diagonal, diagonal=1)",
            "每个词元都能看到下一个词元：掩码差了一位（应遮住对角线以上，diagonal=1）",
            "mask-shows-next-token",
        )
    if bool((actual.triu(1) != 0).any()):
        return Hint(
            "tokens attend to later tokens: the causal mask is missing",
            "词元关注到了后面的词元：缺少因果掩码",
            "no-causal-mask",
        )
    return None


def _dropout_left_on(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    dropped = (actual == 0) & (expected != 0)
    kept = (actual != 0) & (expected != 0)
    if not dropped.any() or not kept.any():
        return None
    ratio = actual[kept] / expected[kept]
    if bool((ratio > 1 + TOL).all()) and float(ratio.max() - ratio.min()) < 1e-3:
        return (
            f"some entries are zero and the rest are scaled by {float(ratio.mean()):.2f}: dropout is left on (use dropout=0.0, or model.eval())",
            f"部分元素为零，其余被放大了 {float(ratio.mean()):.2f} 倍：dropout 没有关掉（用 dropout=0.0 或 model.eval()）",
        )
    return None


def _not_normalised(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    if _is_weights(expected) and not _is_weights(actual):
        return (
            "your weights do not sum to 1 along each row: normalise them with softmax",
            "你的权重每一行加起来不等于 1：请用 softmax 归一化",
        )
    return None


def _softmax_scale(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    """softmax(c*s) against softmax(s): centred log-weights differ by the factor c."""
    if not (_is_weights(expected) and _is_weights(actual)):
        return None
    keep = (actual > 0) & (expected > 0)
    if not bool((keep == ((actual > 0) | (expected > 0))).all()):
        return None
    la = torch.where(keep, actual.log(), 0)
    le = torch.where(keep, expected.log(), 0)
    counts = keep.sum(-1, keepdim=True).clamp(min=1)
    la = torch.where(keep, la - la.sum(-1, keepdim=True) / counts, 0)
    le = torch.where(keep, le - le.sum(-1, keepdim=True) / counts, 0)
    denom = float((le * le).sum())
    if denom < 1e-12:
        return None
    c = float((la * le).sum()) / denom
    if abs(c - 1) < 0.05 or not torch.allclose(la, c * le, atol=1e-4):
        return None
    if c > 1:
        return Hint(
            f"your weights are sharper than expected, as if the scores were {c:.2f} times too large: did you divide by sqrt(d_k)?",
            f"你的权重比预期更尖锐，好像分数大了 {c:.2f} 倍：是否除以了 sqrt(d_k)？",
            "weights-too-sharp",
        )
    return Hint(
        f"your weights are flatter than expected, as if the scores were scaled by {c:.2f}: scale by 1/sqrt(d_k), not 1/d_k",
        f"你的权重比预期更平缓，好像分数乘了 {c:.2f}：应除以 sqrt(d_k)，而不是 d_k",
        "weights-too-flat",
    )


def _transposed(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    if actual.ndim >= 2 and actual.shape[-1] == actual.shape[-2] and _close(actual.transpose(-1, -2), expected):
        return (
            "this is the transpose of the expected result: rows and columns are swapped",
            "这是预期结果的转置：行和列对调了",
        )
    return None


def _constant_factor(actual: torch.Tensor, expected: torch.Tensor) -> Hint | None:
    mask = torch.isfinite(expected) & (expected.abs() > 1e-6)
    if not mask.any() or not bool(torch.isfinite(actual[mask]).all()) or bool((actual[~mask].abs() > 1e-6).any()):
        return None
    ratio = actual[mask] / expected[mask]
    k = float(ratio.mean())
    if not math.isfinite(k) or k == 0:
        return None
    if abs(k - 1) < 1e-3 or float(ratio.max() - ratio.min()) > 1e-3 * max(1.0, abs(k)):
        return None
    root = f" (sqrt({round(k * k)}))" if abs(k * k - round(k * k)) < 1e-2 and round(k * k) > 1 else ""
    root = root or (f" (1/sqrt({round(1 / k / k)}))" if k > 0 and abs(1 / k / k - round(1 / k / k)) < 1e-2 and round(1 / k / k) > 1 else "")
    return (
        f"every value is {k:.4g}{root} times the expected one: a scaling step is missing or doubled",
        f"每个值都是预期值的 {k:.4g}{root} 倍：缺少或重复了一次缩放",
    )
