"""Reference versions of the classes the book builds, for the notebooks that come after the
one where a learner writes them.

Notebook 4 needs `SelfAttention_v2` (written in notebook 3) and notebook 5 needs
`CausalAttention` (written in notebook 4). Each notebook imports them from here, so no
notebook ships the answer to an earlier exercise and each one runs on its own. The code
is the book's, with its variable names; the layers are created in the book's order, so
the book's seeds give the book's numbers.
"""

import torch
from torch import nn


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


class CausalAttention(nn.Module):
    """One causal attention head over a batch, with dropout on the attention weights (3.5.3)."""

    def __init__(self, d_in: int, d_out: int, context_length: int, dropout: float, qkv_bias: bool = False):
        super().__init__()
        self.d_out = d_out
        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.W_value = nn.Linear(d_in, d_out, bias=qkv_bias)
        self.dropout = nn.Dropout(dropout)
        self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), diagonal=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, num_tokens, d_in = x.shape
        keys, queries, values = self.W_key(x), self.W_query(x), self.W_value(x)
        attn_scores = queries @ keys.transpose(1, 2)
        attn_scores = attn_scores.masked_fill(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
        attn_weights = self.dropout(torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1))
        return attn_weights @ values


def multi_head_steps(mha: nn.Module, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
    """The intermediate tensors of a MultiHeadAttention forward pass, named by step, computed
    from the module's own layers (`W_query`, `W_key`, `W_value`, `out_proj`, `mask`).

    For pictures and shape traces: the module's `forward` returns only the result.
    """
    b, num_tokens, d_in = x.shape
    num_heads, d_out = mha.num_heads, mha.d_out
    head_dim = d_out // num_heads
    steps: list[tuple[str, torch.Tensor]] = [("x", x)]
    queries = mha.W_query(x)
    steps.append(("queries = W_query(x)", queries))
    queries = queries.view(b, num_tokens, num_heads, head_dim)
    steps.append(("split: .view(b, num_tokens, num_heads, head_dim)", queries))
    queries = queries.transpose(1, 2)
    steps.append(("heads forward: .transpose(1, 2)", queries))
    keys = mha.W_key(x).view(b, num_tokens, num_heads, head_dim).transpose(1, 2)
    values = mha.W_value(x).view(b, num_tokens, num_heads, head_dim).transpose(1, 2)
    attn_scores = queries @ keys.transpose(2, 3)
    steps.append(("attn_scores = queries @ keys.transpose(2, 3)", attn_scores))
    attn_scores = attn_scores.masked_fill(mha.mask.bool()[:num_tokens, :num_tokens], -torch.inf)
    attn_weights = torch.softmax(attn_scores / head_dim**0.5, dim=-1)
    steps.append(("attn_weights (mask, / sqrt(head_dim), softmax)", attn_weights))
    context_vec = attn_weights @ values
    steps.append(("attn_weights @ values", context_vec))
    context_vec = context_vec.transpose(1, 2)
    steps.append(("back: .transpose(1, 2)", context_vec))
    context_vec = context_vec.contiguous().view(b, num_tokens, d_out)
    steps.append(("combine: .contiguous().view(b, num_tokens, d_out)", context_vec))
    steps.append(("out_proj", mha.out_proj(context_vec)))
    return steps
