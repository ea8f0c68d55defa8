"""torch, imported the first time one of its names is used: the grading process of a course
without references (any nbgrader course's plain test cells) never compares a tensor, and need
not spend a second of its start importing torch. Annotations name torch.Tensor as text only."""
from __future__ import annotations


class _Torch:
    def __getattr__(self, name: str):
        import torch

        return getattr(torch, name)


torch = _Torch()
