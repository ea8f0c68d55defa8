"""What a module's forward pass did, step by step, for pictures and shape traces: every torch
operation it called, with the tensor that came out.

It computes nothing itself: the steps are the learner's own forward pass, recorded as it
runs (a TorchFunctionMode sees each torch call at the level the forward makes it, not the
calls inside them). So it can trace any attention module, and gives no answer to one.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

# Calls that only look at a tensor or move it between devices: not steps of the computation.
_NOT_STEPS = {"__get__", "__set__", "size", "dim", "numel", "is_floating_point", "__len__", "to", "cpu",
              "__format__", "__repr__", "__bool__", "__index__", "__iter__", "item", "tolist", "__contains__",
              "__hash__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__invert__"}


class _Recorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.steps: list[tuple[str, torch.Tensor]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        name = getattr(func, "__name__", repr(func)).strip("_") or repr(func)
        if isinstance(result, torch.Tensor) and getattr(func, "__name__", "") not in _NOT_STEPS:
            self.steps.append((name, result.detach()))
        return result


def forward_steps(module: nn.Module, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """The torch operations `module(x)` calls, in order, each with its result: ("x", x) first,
    ("output", module(x)) last."""
    recorder = _Recorder()
    with torch.no_grad(), recorder:
        output = module(x)
    return [("x", x), *recorder.steps, ("output", output.detach())]
