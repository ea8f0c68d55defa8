"""The catalogue of likely mistakes, each written as an edit of a solution notebook.

Each mistake serves twice: the reference run applies it and keeps the values it
produces, so feedback can recognise it in a learner's value; and the grading tests
submit it and assert it loses exactly the points listed in `scores`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import nbformat


@dataclass(frozen=True)
class Mistake:
    id: str
    notebook: str
    old: str  # text in the solution's code, found exactly once
    new: str
    en: str
    zh: str
    # grade_id -> points the notebook still earns there with this mistake; unlisted exercises keep full points
    scores: dict[str, float] = field(default_factory=dict)


def apply_mistake(nb: nbformat.NotebookNode, mistake: Mistake) -> nbformat.NotebookNode:
    """A copy of `nb` with the mistake made; fails loudly if the solution no longer holds `old`."""
    wrong = copy.deepcopy(nb)
    hits = [cell for cell in wrong.cells if cell.cell_type == "code" and mistake.old in cell.source]
    if len(hits) != 1 or hits[0].source.count(mistake.old) != 1:
        raise ValueError(f"mistake {mistake.id!r}: {mistake.old!r} must occur exactly once in {mistake.notebook}")
    hits[0].source = hits[0].source.replace(mistake.old, mistake.new)
    return wrong


NB1 = "01_attention_without_weights"
NB2 = "02_attention_all_tokens"
NB3 = "03_trainable_weights"
NB4 = "04_causal_attention"
NB5 = "05_multi_head_attention"

_CATALOGUE: list[Mistake] = [
    Mistake(
        "wrong-query", NB1, "query = inputs[1]", "query = inputs[0]",
        "these are the scores of the first token, 'Your' (inputs[0]); the query is 'journey', inputs[1]",
        "这是第一个词元 'Your'（inputs[0]）的分数；查询应是 'journey'，即 inputs[1]",
        {"ex1-dot-scores": 1.0, "ex2-softmax-naive": 1.0, "ex3-context-vector": 1.0},
    ),
    Mistake(
        "normalised-by-sum", NB1, "torch.exp(x) / torch.exp(x).sum(dim=0)", "x / x.sum(dim=0)",
        "these weights are the scores divided by their sum; softmax divides the exponentials exp(x) by their sum",
        "这些权重是分数除以分数之和；softmax 应是用指数 exp(x) 除以指数之和",
        {"ex2-softmax-naive": 0.0, "ex3-context-vector": 1.0},
    ),
    Mistake(
        "softmax-dim-0", NB2, "torch.softmax(attn_scores, dim=-1)", "torch.softmax(attn_scores, dim=0)",
        "softmax over dim=0 makes each key's column sum to 1; each query's row must sum to 1: use dim=-1",
        "对 dim=0 做 softmax 会让每个键所在的列和为 1；应让每个查询所在的行和为 1，请用 dim=-1",
        {"ex5-attention-weights": 0.0, "ex6-all-context-vecs": 1.0},
    ),
    Mistake(
        "scores-product-order", NB2, "return inputs @ inputs.T", "return inputs.T @ inputs",
        "inputs.T @ inputs compares embedding dimensions, not tokens: use inputs @ inputs.T (tokens x tokens)",
        "inputs.T @ inputs 比较的是嵌入维度而不是词元：应为 inputs @ inputs.T（词元数 x 词元数）",
        {"ex4-all-scores": 0.0, "ex5-attention-weights": 2.0, "ex6-all-context-vecs": 1.0},
    ),
    Mistake(
        "no-softmax", NB2, "torch.softmax(attn_scores, dim=-1)", "attn_scores",
        "the scores were never normalised: apply softmax so that each row sums to 1",
        "分数没有归一化：请用 softmax 使每一行的和为 1",
        {"ex5-attention-weights": 0.0, "ex6-all-context-vecs": 1.0},
    ),
    Mistake(
        "no-sqrt-dk-scaling", NB3, "/ keys.shape[-1]**0.5", "",
        "your weights are too sharp: the scores were not divided by sqrt(d_k) before the softmax",
        "你的权重太尖锐了：softmax 之前没有把分数除以 sqrt(d_k)",
        {"ex7-scaled-weights": 0.5},
    ),
    Mistake(
        "copy-weights-not-transposed", NB3, "linear.weight.T", "linear.weight",
        "the copied weights are not transposed: nn.Linear stores weight as (d_out, d_in), SelfAttention_v1 needs (d_in, d_out), so use .weight.T",
        "复制的权重没有转置：nn.Linear 的 weight 形状是 (d_out, d_in)，SelfAttention_v1 需要 (d_in, d_out)，请用 .weight.T",
        {"ex10-copy-weights": 0.0},
    ),
    Mistake(
        "wrong-query-x2", NB3, "x_2 = inputs[1]", "x_2 = inputs[0]",
        "this is the query of the first token, 'Your' (inputs[0]); the query token is 'journey', inputs[1]",
        "这是第一个词元 'Your'（inputs[0]）的查询；查询词元应是 'journey'，即 inputs[1]",
        {"ex7-scaled-weights": 2.25},
    ),
    Mistake(
        "mask-off-by-one", NB4, "diagonal=1", "diagonal=0",
        "the diagonal is masked too: each token must still see itself (torch.triu(..., diagonal=1), not diagonal=0)",
        "对角线也被遮住了：每个词元仍应能看到自己（应为 torch.triu(..., diagonal=1)，而不是 diagonal=0）",
        {"ex11-causal-mask": 0.0, "ex12-causal-weights": 0.0},
    ),
    Mistake(
        "dropout-left-on", NB4, "attn_weights = self.dropout(attn_weights)",
        "attn_weights = torch.nn.functional.dropout(attn_weights, p=self.dropout.p, training=True)",
        "dropout is still on after .eval(): use the module's nn.Dropout (self.dropout), which switches off in eval mode",
        "调用 .eval() 之后 dropout 仍然开着：请使用模块自己的 nn.Dropout（self.dropout），它在 eval 模式下会自动关闭",
        {"ex13-causal-attention": 2.0},
    ),
    Mistake(
        "no-sqrt-dk-causal", NB4, "causal_scores(attn_scores) / d_k**0.5", "causal_scores(attn_scores)",
        "the scores are not divided by sqrt(d_k) before the softmax, so the weights are too sharp",
        "softmax 之前没有把分数除以 sqrt(d_k)，所以权重过于尖锐",
        {"ex12-causal-weights": 0.0},
    ),
    Mistake(
        "mha-no-transpose-back", NB5, "context_vec = (attn_weights @ values).transpose(1, 2)", "context_vec = attn_weights @ values",
        "the heads were combined without transposing back: call .transpose(1, 2) on attn_weights @ values before "
        ".contiguous().view(b, num_tokens, d_out), otherwise view glues together numbers of different tokens",
        "合并各个头之前没有转置回来：在 .contiguous().view(b, num_tokens, d_out) 之前要对 attn_weights @ values "
        "调用 .transpose(1, 2)，否则 view 会把不同词元的数粘在一起",
        {"ex15-multi-head-attention": 0.5},
    ),
    Mistake(
        "mha-no-out-proj", NB5, "context_vec = self.out_proj(context_vec)", "",
        "the combined heads were returned as they are: apply self.out_proj to them as the last step",
        "直接返回了合并后的各个头：最后一步要对它们应用 self.out_proj",
        {"ex15-multi-head-attention": 0.5},
    ),
    Mistake(
        "count-buffers-too", NB5, "return sum(p.numel() for p in model.parameters())",
        "return sum(t.numel() for t in model.state_dict().values())",
        "you also counted buffers such as the causal mask, which are not learned: sum p.numel() over model.parameters() only",
        "你把因果掩码这样的缓冲区也算进去了，它们不是学习得到的：只对 model.parameters() 求 p.numel() 之和",
        {"ex17-exercise-3-3": 0.5},
    ),
    Mistake(
        "wrapper-d-out-not-divided", NB5, "d_out = output_dim // num_heads  # every head", "d_out = output_dim  # every head",
        "each head adds d_out numbers, so the wrapper returns num_heads * d_out: use d_out = output_dim // num_heads",
        "每个头贡献 d_out 个数，包装类返回 num_heads * d_out 个数：应取 d_out = output_dim // num_heads",
        {"ex16-exercise-3-2": 0.0},
    ),
]

MISTAKES: dict[str, Mistake] = {m.id: m for m in _CATALOGUE}
