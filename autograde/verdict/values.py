"""Turning whatever a learner's code returns into a plain tensor, and back into bytes.

Everything that crosses from a notebook to the grader goes through here, so the grader
only ever compares plain CPU tensors it built itself (never pickled objects, never a
learner's tensor subclass).
"""
from __future__ import annotations

import base64
import numbers

from .lazy_torch import torch


class NotATensor(TypeError):
    """The value cannot stand for a tensor (a string, None, a module...)."""


def as_tensor(value: object) -> torch.Tensor:
    """Return a plain, contiguous CPU tensor holding `value`'s numbers.

    Accepts tensors (any subclass is reduced to a plain tensor), shapes, tuples/lists of
    numbers and Python numbers. Anything else raises NotATensor with a readable name.
    """
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone().contiguous().as_subclass(torch.Tensor)
    if isinstance(value, torch.Size):
        return torch.tensor(list(value), dtype=torch.int64)
    if isinstance(value, bool):
        return torch.tensor(value)
    if isinstance(value, numbers.Integral):
        return torch.tensor(int(value), dtype=torch.int64)
    if isinstance(value, numbers.Real):
        return torch.tensor(float(value), dtype=torch.float32)
    if isinstance(value, (tuple, list)) and all(isinstance(v, numbers.Integral) for v in value):
        return torch.tensor([int(v) for v in value], dtype=torch.int64)
    raise NotATensor(f"expected a tensor, got {type(value).__name__}")


def encode(tensors: dict[str, torch.Tensor]) -> str:
    """Safetensors bytes, base64-encoded so they fit in a notebook output."""
    from safetensors.torch import save as save_bytes

    return base64.b64encode(save_bytes(tensors)).decode("ascii")


def decode(text: str) -> dict[str, torch.Tensor]:
    from safetensors.torch import load as load_bytes

    return load_bytes(base64.b64decode(text.encode("ascii"), validate=True))
