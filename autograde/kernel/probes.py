"""What hidden and visible checks use to test a learner's module beyond its output on the
book's inputs: weights loaded by parameter name (so the order in which layers are created
does not matter), the book's own weights given by layer name for the book's inputs, a
dropout that is deterministic, and a look at the module's buffers."""
from __future__ import annotations

import copy
import zlib
from collections.abc import Callable

import torch
from torch import nn

from .seeding import seed_for, seeded


def load_by_name(module: nn.Module, seed: int) -> nn.Module:
    """Give every parameter of `module` values that depend only on `seed`, its name and its
    shape, never on the order in which the layers were created; returns `module`.

    Values are uniform in ±1/sqrt(fan_in), the range nn.Linear starts from. Under a secret,
    a hidden test's `seed` stands for its derived seed (seeding.seed_for).
    """
    seed = seed_for(seed)
    with torch.no_grad():
        for name, parameter in module.named_parameters():
            # modulo 2**64: a derived seed has 63 bits, and a generator takes no more than 64
            generator = torch.Generator().manual_seed((seed * 1_000_003 + zlib.crc32(name.encode())) % 2**64)
            bound = 1 / max(parameter.shape[-1], 1) ** 0.5
            parameter.copy_((torch.rand(parameter.shape, generator=generator) * 2 - 1) * bound)
    return module


def build(seed: int, make: Callable[[], nn.Module]) -> nn.Module:
    """`make()` a module without moving the notebook's random state, then load its weights by
    name from `seed`: the same numbers whatever order its layers are created in."""
    with seeded(seed):
        module = make()
    return load_by_name(module, seed)


# The order in which the book creates an attention module's layers: after the book's seed,
# a layer's place in it decides which random numbers it draws (heads come one after the other).
BOOK_ORDER = ("W_query", "W_key", "W_value", "out_proj")


def _book_place(name: str) -> tuple:
    """Where the layer `name` ("heads.1.W_key") comes in the book's creation order."""
    return tuple((0, int(part), "") if part.isdigit() else
                 (1, BOOK_ORDER.index(part), "") if part in BOOK_ORDER else (2, 0, part)
                 for part in name.split("."))


def with_book_weights(module: nn.Module, seed: int = 123) -> nn.Module:
    """A copy of `module` whose layers hold the numbers the book's `seed` gives them when they
    are created in the book's order (BOOK_ORDER, heads one after the other), whatever order
    the learner created them in: a check on the book's numbers then grades the code, not the
    order of its lines. `module` and the notebook's random state are left as they are.

    Creating a layer draws exactly what its reset_parameters() draws, so resetting the layers
    in the book's order after the seed repeats the book's construction.
    """
    copied = copy.deepcopy(module)
    layers = sorted(((name, layer) for name, layer in copied.named_modules()
                     if name and hasattr(layer, "reset_parameters") and next(layer.parameters(recurse=False), None) is not None),
                    key=lambda item: _book_place(item[0]))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the book's own seed, public: never a hidden test's derived one
        for _, layer in layers:
            layer.reset_parameters()
    return copied


class PatternDropout(nn.Module):
    """A stand-in for nn.Dropout(p) that drops a fixed pattern instead of a random one: entry
    (i, j) of the last two dimensions is zeroed when (i + 2j) % 3 == 1, and the others are
    scaled by 1/(1-p) as dropout does. Active in training mode only, like nn.Dropout.

    Put in place of a module's `dropout`, it shows where dropout is applied without
    depending on the random number generator of the machine.
    """

    def __init__(self, p: float = 0.5):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or x.ndim < 2:
            return x
        i = torch.arange(x.shape[-2]).unsqueeze(-1)
        j = torch.arange(x.shape[-1]).unsqueeze(0)
        keep = ((i + 2 * j) % 3 != 1).to(x.dtype)
        return x * keep / (1 - self.p)


def with_pattern_dropout(module: nn.Module, p: float = 0.5) -> nn.Module:
    """`module` with its `dropout` replaced by a PatternDropout(p), in training mode."""
    module.dropout = PatternDropout(p)
    return module.train()


def buffer_flags(module: nn.Module, name: str) -> torch.Tensor:
    """[is `name` a registered buffer, is it a parameter]: a mask must be [1, 0]."""
    return torch.tensor([name in dict(module.named_buffers()), name in dict(module.named_parameters())], dtype=torch.int64)

