"""The course's MultiHeadAttentionWrapper (section 3.6.1), for the notebooks after the one
where a learner writes it. Withheld while that notebook is graded (see book/__init__.py)."""
import torch
from torch import nn

from .causal_attention import CausalAttention

ANSWERS = "ex18-mha-wrapper"  # the exercise whose answer this is


class MultiHeadAttentionWrapper(nn.Module):
    """num_heads independent CausalAttention heads; their outputs are laid side by side (3.6.1)."""

    def __init__(self, d_in: int, d_out: int, context_length: int, dropout: float, num_heads: int,
                 qkv_bias: bool = False):
        super().__init__()
        self.heads = nn.ModuleList(
            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([head(x) for head in self.heads], dim=-1)
