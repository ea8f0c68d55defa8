"""One comparison of a learner's value with a reference tensor, with a bilingual verdict.

Order matters and is the order a learner fixes things in: type, then shape, then dtype,
then values. Only when the values are wrong do we look for the likely mistake.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .diagnose import catalogued, likely_mistake
from .lazy_torch import torch
from .values import NotATensor, as_tensor

# torch.testing's float32 defaults: loops, matrix products, einsum and float64
# intermediates all land well inside these.
RTOL = 1.3e-6
ATOL = 1e-5


@dataclass(frozen=True)
class Verdict:
    passed: bool
    en: str
    zh: str
    mistake: str = ""  # a stable id of what went wrong, for counting mistakes across a class


PASSED = Verdict(True, "matches the reference", "与参考答案一致")


def close(actual: torch.Tensor, expected: torch.Tensor) -> bool:
    """Same shape and values within float32 tolerance (inf equals inf, NaN never passes)."""
    if actual.shape != expected.shape:
        return False
    if not (actual.is_floating_point() or expected.is_floating_point()):
        return torch.equal(actual.to(torch.int64), expected.to(torch.int64))
    return torch.allclose(actual.double(), expected.double(), rtol=RTOL, atol=ATOL)


def compare(
    value: object,
    expected: torch.Tensor,
    mistakes: Mapping[str, torch.Tensor] | None = None,
    *,
    reveal_position: bool = True,
) -> Verdict:
    """Compare `value` with `expected`; `mistakes` maps a mistake id to the value that mistake produces.

    `reveal_position` adds where the largest difference is; graders turn it off for hidden inputs.
    """
    try:
        actual = as_tensor(value)
    except NotATensor as exc:
        return Verdict(False, str(exc), f"应为张量，实际得到 {type(value).__name__}", "not-a-tensor")

    if actual.shape != expected.shape:
        en = f"shape {tuple(actual.shape)}, expected {tuple(expected.shape)}"
        zh = f"形状为 {tuple(actual.shape)}，应为 {tuple(expected.shape)}"
        mistake = "wrong-shape"
        known = catalogued(actual, mistakes or {})  # a catalogued mistake that changes the shape
        if known:
            en, zh, mistake = f"{en}: {known.en}", f"{zh}：{known.zh}", known.mistake
        elif actual.ndim >= 2 and actual.shape == expected.shape[:-2] + expected.shape[-2:][::-1]:
            en += ": rows and columns are swapped (a missing or extra .T?)"
            zh += "：行和列对调了（少了或多了 .T？）"
            mistake = "swapped-shape"
        return Verdict(False, en, zh, mistake)

    if actual.dtype != expected.dtype:
        return Verdict(
            False,
            f"dtype {actual.dtype}, expected {expected.dtype}",
            f"数据类型为 {actual.dtype}，应为 {expected.dtype}",
            "wrong-dtype",
        )

    if close(actual, expected):
        return PASSED

    if actual.is_floating_point() and torch.isnan(actual).any():
        en, zh = "contains NaN", "含有 NaN"
        hint = likely_mistake(actual, expected, mistakes or {})
        if hint:
            en, zh = f"{en}: {hint.en}", f"{zh}：{hint.zh}"
        return Verdict(False, en, zh, hint.mistake if hint else "nan")

    hint = likely_mistake(actual, expected, mistakes or {})
    if hint:
        return Verdict(False, hint.en, hint.zh, hint.mistake)
    en, zh = "values differ from the reference", "数值与参考答案不同"
    if reveal_position and actual.is_floating_point() and actual.numel() > 1:
        diff = torch.where(actual == expected, 0.0, (actual.double() - expected.double()).abs())  # -inf == -inf
        where = tuple(int(i) for i in torch.unravel_index(torch.nan_to_num(diff, nan=float("inf")).argmax(), diff.shape))
        en += f" (largest difference at index {list(where)})"
        zh += f"（差异最大处在索引 {list(where)}）"
    return Verdict(False, en, zh, "values-differ")
