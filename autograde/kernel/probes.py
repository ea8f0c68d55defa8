"""What hidden and visible checks use to test a learner's module beyond its output on the
book's inputs: weights loaded by parameter name or redrawn in the book's order (so the order
in which a learner creates layers does not matter), a dropout that is deterministic, and a
look at the module's buffers."""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence

import torch
from torch import nn
from torch.nn import functional as F

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


# The order in which the book's classes create their layers: a seed gives the book's numbers
# only in this order. A wrapper's heads are created one after another, each in this order.
BOOK_ORDER = ("W_query", "W_key", "W_value", "out_proj")


def with_book_weights(module: nn.Module, seed: int, order: Sequence[str] = BOOK_ORDER) -> nn.Module:
    """Give `module` the weights the book's class holds right after torch.manual_seed(seed),
    whatever order the learner created its layers in; returns `module`.

    The draws are redone in the book's order: parameters and submodules named in `order`
    first, in that order, the others after them as they were registered (a wrapper's heads one
    by one). An nn.Linear draws as it does when created (weight, then bias); a parameter a
    module holds itself is drawn with torch.rand, as the book's SelfAttention_v1 draws its
    matrices. The notebook's random state does not move. `seed` is taken as it is, never
    derived under a secret: this reproduces the book's published numbers, for visible checks
    (hidden checks use `build`).
    """
    with torch.random.fork_rng(devices=[]), torch.no_grad():
        torch.manual_seed(seed)
        _redraw(module, tuple(order))
    return module


def _redraw(module: nn.Module, order: tuple[str, ...]) -> None:
    if isinstance(module, nn.Linear):
        module.reset_parameters()  # what nn.Linear.__init__ draws with
        return
    own = list(module.named_parameters(recurse=False)) + list(module.named_children())

    def rank(item: tuple[int, tuple[str, object]]) -> tuple[int, int]:
        position, (name, _) = item
        return (order.index(name), 0) if name in order else (len(order), position)

    for _, (_, part) in sorted(enumerate(own), key=rank):
        if isinstance(part, nn.Module):
            _redraw(part, order)
        else:
            part.copy_(torch.rand(part.shape))


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



def sdpa_gap(output: torch.Tensor, queries: torch.Tensor, keys: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """A learner's causal attention `output` minus torch's own, scaled_dot_product_attention(
    queries, keys, values, is_causal=True): zeros, up to float rounding, where the learner's code
    agrees with PyTorch on the same queries, keys and values (any leading dimensions: heads too)."""
    return output - F.scaled_dot_product_attention(queries, keys, values, is_causal=True)
