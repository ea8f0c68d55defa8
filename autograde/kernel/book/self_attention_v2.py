"""The course's SelfAttention_v2 (section 3.4.2), for the notebooks after the one where a
learner writes it. Withheld while that notebook is graded (see book/__init__.py)."""
import torch
from torch import nn

ANSWERS = "ex11-self-attention-v2"  # the exercise whose answer this is


class SelfAttention_v2(nn.Module):
    """Scaled dot-product self-attention over one sequence, with nn.Linear projections (3.4.2)."""

    def __init__(self, d_in: int, d_out: int, qkv_bias: bool = False):
        super().__init__()
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keys, queries, values = self.W_key(x), self.W_query(x), self.W_value(x)
        attn_weights = torch.softmax(queries @ keys.T / keys.shape[-1]**0.5, dim=-1)
        return attn_weights @ values
