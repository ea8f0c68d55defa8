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
    # a mistake that makes the learner's code raise: a regular expression the error message
    # matches ("RuntimeError: ..."), so that the failure is explained, not only reported
    error: str = ""


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
NB6 = "06_multi_head_in_practice"
NB7 = "07_attention_that_learns"

# Layers created in another order than the book's: not a mistake (checks on the book's numbers
# load the book's weights by name, kernel/probes.with_book_weights), but the tests apply it as
# one to show that it costs nothing.
QUERY_THEN_KEY = "self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)"
KEY_THEN_QUERY = "self.W_key = nn.Linear(d_in, d_out, bias=qkv_bias)\n        self.W_query = nn.Linear(d_in, d_out, bias=qkv_bias)"

_CATALOGUE: list[Mistake] = [
    Mistake(
        "pattern-first-row-empty", NB7, "pattern[0, 0] = 1.0", "pattern[0, 0] = 0.0",
        "the first row is all 0: a causal softmax row always sums to 1, and the first query can see only its own key, "
        "so all its weight stays on itself",
        "第一行全是 0：因果 softmax 的每一行之和总是 1，而第一个查询只能看到它自己的键，所以它的权重全部留在自己身上",
        {"ex25-predict-pattern": 0.0},
    ),
    Mistake(
        "pattern-on-the-diagonal", NB7, "pattern[i, i - 1] = 1.0", "pattern[i, i] = 1.0",
        "this head attends to each token itself (the diagonal); the token to copy is the one before, one column to the left",
        "这个头让每个词元关注它自己（对角线）；要复制的是前一个词元，在左边一列",
        {"ex25-predict-pattern": 0.5},
    ),
    Mistake(
        "uniform-loss-log2", NB7, "return math.log(vocab_size)", "return math.log2(vocab_size)",
        "this is the logarithm to base 2 (bits); cross-entropy in PyTorch uses the natural logarithm",
        "这是以 2 为底的对数（比特）；PyTorch 的交叉熵用的是自然对数",
        {"ex26-uniform-loss": 0.0},
    ),
    Mistake(
        "uniform-loss-probability", NB7, "return math.log(vocab_size)", "return 1 / vocab_size",
        "this is the probability a blind guess gives the right token; the loss is minus the natural logarithm of that probability",
        "这是盲猜给正确词元的概率；损失是这个概率取自然对数再取负",
        {"ex26-uniform-loss": 0.0},
    ),
    Mistake(
        "train-no-zero-grad", NB7, "        optimizer.zero_grad()  # the gradients of the last step would add up with this one's\n", "",
        "the first step is right but later ones are not: without optimizer.zero_grad() each backward pass adds its gradients "
        "to those of the steps before, so every step moves the weights by the sum of all gradients so far",
        "第一步是对的，后面的步就错了：没有 optimizer.zero_grad()，每次反向传播都会把梯度加到之前各步的梯度上，"
        "于是每一步都按到目前为止所有梯度之和来移动权重",
        {"ex27-train": 0.5},
    ),
    Mistake(
        "wrong-query", NB1, "query = inputs[1]", "query = inputs[0]",
        "these are the scores of the first token, 'Your' (inputs[0]); the query is 'journey', inputs[1]",
        "这是第一个词元 'Your'（inputs[0]）的分数；查询应是 'journey'，即 inputs[1]",
        {"ex1-dot-scores": 1.5, "ex2-softmax-naive": 1.5, "ex3-context-vector": 1.5},
    ),
    Mistake(
        "normalised-by-sum", NB1, "torch.exp(x) / torch.exp(x).sum(dim=0)", "x / x.sum(dim=0)",
        "these weights are the scores divided by their sum; softmax divides the exponentials exp(x) by their sum",
        "这些权重是分数除以分数之和；softmax 应是用指数 exp(x) 除以指数之和",
        {"ex2-softmax-naive": 0.0, "ex3-context-vector": 1.5},
    ),
    Mistake(
        "softmax-dim-0", NB2, "torch.softmax(attn_scores, dim=-1)", "torch.softmax(attn_scores, dim=0)",
        "softmax over dim=0 makes each key's column sum to 1; each query's row must sum to 1: use dim=-1",
        "对 dim=0 做 softmax 会让每个键所在的列和为 1；应让每个查询所在的行和为 1，请用 dim=-1",
        {"ex5-attention-weights": 0.0, "ex6-all-context-vecs": 0.75},
    ),
    Mistake(
        "softmax-dim-1", NB2, "torch.softmax(attn_scores, dim=-1)", "torch.softmax(attn_scores, dim=1)",
        "dim=1 walks along the keys of one table, but in a batch of tables (b, tokens, tokens) dimension 1 is the queries: "
        "count from the end so that the keys stay the dimension you normalise, whatever comes in front",
        "对单张表来说 dim=1 是沿着键的方向，但在一批表 (b, 词元, 词元) 中第 1 维是查询：从末尾数维度，这样无论前面有什么，归一化的始终是键的方向",
        {"ex5-attention-weights": 0.5},
    ),
    Mistake(
        "scores-product-order", NB2, "return inputs @ inputs.T", "return inputs.T @ inputs",
        "inputs.T @ inputs compares embedding dimensions, not tokens: use inputs @ inputs.T (tokens x tokens)",
        "inputs.T @ inputs 比较的是嵌入维度而不是词元：应为 inputs @ inputs.T（词元数 x 词元数）",
        {"ex4-all-scores": 0.0, "ex5-attention-weights": 0.75, "ex6-all-context-vecs": 0.75},
    ),
    Mistake(
        "no-softmax", NB2, "torch.softmax(attn_scores, dim=-1)", "attn_scores",
        "the scores were never normalised: apply softmax so that each row sums to 1",
        "分数没有归一化：请用 softmax 使每一行的和为 1",
        {"ex5-attention-weights": 0.0, "ex6-all-context-vecs": 0.75},
    ),
    Mistake(
        "no-sqrt-dk-scaling", NB3, "/ keys.shape[-1]**0.5", "",
        "your weights are too sharp: the scores were not divided by sqrt(d_k) before the softmax",
        "你的权重太尖锐了：softmax 之前没有把分数除以 sqrt(d_k)",
        {"ex9-scaled-weights": 0.5},
    ),
    Mistake(
        "copy-weights-not-transposed", NB3, "linear.weight.T", "linear.weight",
        "the copied weights are not transposed: nn.Linear stores weight as (d_out, d_in), SelfAttention_v1 needs (d_in, d_out), so use .weight.T",
        "复制的权重没有转置：nn.Linear 的 weight 形状是 (d_out, d_in)，SelfAttention_v1 需要 (d_in, d_out)，请用 .weight.T",
        {"ex12-copy-weights": 0.0},
    ),
    Mistake(
        "wrong-query-x2", NB3, "x_2 = inputs[1]", "x_2 = inputs[0]",
        "this is the query of the first token, 'Your' (inputs[0]); the query token is 'journey', inputs[1]",
        "这是第一个词元 'Your'（inputs[0]）的查询；查询词元应是 'journey'，即 inputs[1]",
        {"ex9-scaled-weights": 1.5},
    ),
    Mistake(
        "mask-off-by-one", NB4, "torch.triu(torch.ones(n, n), diagonal=1)", "torch.triu(torch.ones(n, n), diagonal=0)",
        "the diagonal is masked too: each token must still see itself (torch.triu(..., diagonal=1), not diagonal=0)",
        "对角线也被遮住了：每个词元仍应能看到自己（应为 torch.triu(..., diagonal=1)，而不是 diagonal=0）",
        {"ex14-causal-mask": 0.0, "ex15-causal-weights": 0.0},
    ),
    Mistake(
        "dropout-left-on", NB4, "attn_weights = self.dropout(attn_weights)",
        "attn_weights = torch.nn.functional.dropout(attn_weights, p=self.dropout.p, training=True)",
        "dropout is still on after .eval(): use the module's nn.Dropout (self.dropout), which switches off in eval mode",
        "调用 .eval() 之后 dropout 仍然开着：请使用模块自己的 nn.Dropout（self.dropout），它在 eval 模式下会自动关闭",
        {"ex17-causal-attention": 2.0},
    ),
    Mistake(
        "no-sqrt-dk-causal", NB4, "causal_scores(attn_scores) / d_k**0.5", "causal_scores(attn_scores)",
        "the scores are not divided by sqrt(d_k) before the softmax, so the weights are too sharp",
        "softmax 之前没有把分数除以 sqrt(d_k)，所以权重过于尖锐",
        {"ex15-causal-weights": 0.0},
    ),
    Mistake(
        "mha-no-transpose-back", NB5, "context_vec = (attn_weights @ values).transpose(1, 2)", "context_vec = attn_weights @ values",
        "the heads were combined without transposing back: call .transpose(1, 2) on attn_weights @ values before "
        ".contiguous().view(b, num_tokens, d_out), otherwise view glues together numbers of different tokens",
        "合并各个头之前没有转置回来：在 .contiguous().view(b, num_tokens, d_out) 之前要对 attn_weights @ values "
        "调用 .transpose(1, 2)，否则 view 会把不同词元的数粘在一起",
        {"ex20-multi-head-attention": 0.25},
    ),
    Mistake(
        "mha-no-out-proj", NB5, "context_vec = self.out_proj(context_vec)", "",
        "the combined heads were returned as they are: apply self.out_proj to them as the last step",
        "直接返回了合并后的各个头：最后一步要对它们应用 self.out_proj",
        {"ex20-multi-head-attention": 0.25},
    ),
    Mistake(
        "count-buffers-too", NB6, "return sum(p.numel() for p in model.parameters())",
        "return sum(t.numel() for t in model.state_dict().values())",
        "you also counted buffers such as the causal mask, which are not learned: sum p.numel() over model.parameters() only",
        "你把因果掩码这样的缓冲区也算进去了，它们不是学习得到的：只对 model.parameters() 求 p.numel() 之和",
        {"ex22-exercise-3-3": 1.0},
    ),
    Mistake(
        "wrapper-d-out-not-divided", NB6, "d_out = output_dim // num_heads  # every head", "d_out = output_dim  # every head",
        "each head adds d_out numbers, so the wrapper returns num_heads * d_out: use d_out = output_dim // num_heads",
        "每个头贡献 d_out 个数，包装类返回 num_heads * d_out 个数：应取 d_out = output_dim // num_heads",
        {"ex21-exercise-3-2": 0.0},
    ),
    Mistake(
        "cosine-no-keepdim", NB2, "inputs.norm(dim=-1, keepdim=True)", "inputs.norm(dim=-1)",
        "each score was divided by a product of lengths that does not belong to its pair of tokens: without keepdim=True "
        "the lengths are a flat vector, and broadcasting divides every column by the same numbers; keep them as a column",
        "每个分数除以的长度之积并不属于它那一对词元：没有 keepdim=True 时长度是一个扁平向量，广播会让每一列都除以同一组数；"
        "请把长度保留成一列",
        {"ex7-cosine-scores": 0.0},
    ),
    Mistake(
        "predicted-columns-for-rows", NB2, "weights_rows = torch.tensor([[1/4, 3/4], [1/2, 1/2]])",
        "weights_rows = torch.tensor([[1/3, 3/5], [2/3, 2/5]])",
        "in these weights each column sums to 1 (how the attention a key receives is shared out); the attention weights "
        "share out each query's row: divide each exponential by the sum of its row",
        "这组权重是每一列的和为 1（一个键收到的注意力怎样分配）；注意力权重分配的是每个查询的那一行：每个指数应除以它所在行的和",
        {"ex4b-predict-weights": 2.25},
    ),
    Mistake(
        "debug-scores-first-sentence", NB2, "scores = inputs @ inputs.transpose(1, 2)", "scores = inputs @ inputs[0].transpose(0, 1)",
        "every sentence of the batch was scored against the tokens of the first sentence (inputs[0]): score each sentence "
        "against its own tokens, swapping the last two dimensions of the whole batch",
        "批次中的每个句子都是与第一个句子（inputs[0]）的词元打分的：每个句子应与它自己的词元打分，对整个批次交换最后两个维度",
        {"ex7b-debug-attention": 1.0},  # a batch of one sentence is still right,
    ),
    Mistake(
        "debug-weights-not-softmax", NB2, "weights = scores.softmax(dim=-1)", "weights = scores / scores.sum(dim=-1, keepdim=True)",
        "your rows sum to 1, but the weights are the scores divided by their row's sum, which goes negative or above 1 when "
        "some scores are negative: attention weights come from a softmax over each row",
        "你的每一行和为 1，但权重是分数除以所在行的和，分数有负数时权重会小于 0 或大于 1：注意力权重应由对每一行做 softmax 得到",
        {"ex7b-debug-attention": 0.0},
    ),
    Mistake(
        "debug-weights-transposed", NB2, "return weights @ inputs", "return weights.transpose(1, 2) @ inputs",
        "the context vectors blend the inputs with the columns of the weights (the attention each token receives), not "
        "with each query's own row: use the weights as they are, queries in the rows",
        "上下文向量用权重的列（每个词元收到的注意力）去混合输入，而不是用每个查询自己的那一行：权重按原样使用，各行对应查询",
        {"ex7b-debug-attention": 0.0},
    ),
    Mistake(
        "score-spread-variance", NB3, "return d_k**0.5", "return d_k",
        "d_k is the variance of the scores; the spread asked for is the standard deviation, the square root of the variance",
        "d_k 是分数的方差；这里问的分散程度是标准差，即方差的平方根",
        {"ex8-score-spread": 0.0},
    ),
    Mistake(
        "v1-queries-from-keys", NB3, "queries = x @ self.W_query", "queries = x @ self.W_key",
        "the queries are made with W_key, so each token compares its key with the other keys and the query's role is "
        "lost: the queries come from W_query",
        "查询是用 W_key 算出来的，于是每个词元拿自己的键去和别的键比较，查询这个角色就丢了：查询应由 W_query 得到",
        {"ex10-self-attention-v1": 0.0, "ex12-copy-weights": 0.75},
    ),
    Mistake(
        "v1-scale-by-d-in", NB3, "d_k = keys.shape[-1]  # a key's dimension, not d_in", "d_k = x.shape[-1]",
        "the scores were divided by the square root of d_in, the dimension of an input; the scale is the square root of "
        "d_k, the dimension of a key (3 and 2 on the book's sentence)",
        "分数除以的是 d_in（输入的维度）的平方根；缩放应除以 d_k（键的维度）的平方根（在书中的句子上分别是 3 和 2）",
        {"ex10-self-attention-v1": 0.0, "ex12-copy-weights": 1.0},
    ),
    Mistake(
        "v1-softmax-dim-0", NB3, "dim=-1)  # each query's row sums to 1", "dim=0)",
        "softmax over dim=0 makes each key's column sum to 1; each query's row of weights must sum to 1: use dim=-1",
        "对 dim=0 做 softmax 会让每个键所在的列和为 1；应让每个查询那一行权重的和为 1，请用 dim=-1",
        {"ex10-self-attention-v1": 0.0, "ex12-copy-weights": 0.75},
    ),
    Mistake(
        "renormalise-no-keepdim", NB4, "masked_weights.sum(dim=-1, keepdim=True)", "masked_weights.sum(dim=-1)",
        "the rows were divided by the wrong sums: without keepdim=True the row sums form a flat vector, which broadcasting "
        "lines up with the columns; keep the summed dimension so that each row is divided by its own sum",
        "各行除错了和：没有 keepdim=True 时，行和是一个扁平向量，广播会把它和列对齐；请保留求和的那一维，让每一行除以它自己的和",
        {"ex13-renormalise": 0.0},
    ),
    Mistake(
        "mask-filled-with-zero", NB4, "return attn_scores.masked_fill(mask.bool(), -torch.inf)",
        "return attn_scores.masked_fill(mask.bool(), 0)",
        "the future scores were set to 0, not to -inf: softmax turns a score of 0 into a positive weight (exp(0) = 1), so "
        "later tokens still get attention; only -inf gives a weight of exactly 0",
        "未来的分数被设成了 0 而不是 -inf：softmax 会把分数 0 变成一个正的权重（exp(0) = 1），后面的词元仍然得到注意力；"
        "只有 -inf 才会得到恰好为 0 的权重",
        {"ex14-causal-mask": 0.0, "ex15-causal-weights": 0.0},
    ),
    Mistake(
        "masked-fill-discarded", NB4, "attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)",
        "attn_scores.masked_fill(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)",
        "the future was not masked: masked_fill returns a new tensor and leaves attn_scores unchanged; assign its result, "
        "or use the in-place masked_fill_ (with the underscore)",
        "未来没有被遮住：masked_fill 返回一个新张量，attn_scores 本身不变；请把结果赋值回去，或使用原地修改的 masked_fill_（带下划线）",
        {"ex17-causal-attention": 0.25},
    ),
    Mistake(
        "mask-not-sliced", NB4, "self.mask.bool()[:num_tokens, :num_tokens]", "self.mask.bool()",
        "the mask is context_length x context_length, but this input has fewer tokens: cut it to num_tokens x num_tokens "
        "(its top-left corner) before masking",
        "掩码的大小是 context_length x context_length，但这个输入的词元更少：先把它裁成 num_tokens x num_tokens（左上角）再用来遮盖",
        {"ex17-causal-attention": 1.0}, error=r"must match the size of tensor b",
    ),
    Mistake(
        "mask-not-buffer", NB4, 'self.register_buffer("mask", torch.triu(torch.ones(context_length, context_length), 1))',
        "self.mask = torch.triu(torch.ones(context_length, context_length), 1)",
        "the mask is a plain attribute, not a registered buffer: it would not move with .to(device) and is not saved in "
        "the state_dict; register it with self.register_buffer",
        "掩码是普通属性，不是注册过的缓冲区：它不会随 .to(device) 移动，也不会保存进 state_dict；请用 self.register_buffer 注册",
        {"ex17-causal-attention": 2.75},
    ),
    Mistake(
        "dropout-before-softmax", NB4,
        "attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)\n        attn_weights = self.dropout(attn_weights)",
        "attn_scores = self.dropout(attn_scores)\n        attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)",
        "dropout was applied to the scores, before the softmax; the book drops attention weights, after the softmax "
        "(a dropped score becomes 0, which softmax still turns into a positive weight)",
        "dropout 用在了 softmax 之前的分数上；书中丢弃的是 softmax 之后的注意力权重（被丢弃的分数变成 0，softmax 仍会把它变成正的权重）",
        {"ex17-causal-attention": 2.25},
    ),
    Mistake(
        "dropout-left-out", NB4, "        attn_weights = self.dropout(attn_weights)\n", "",
        "dropout is never applied: in training mode some attention weights must be dropped (call self.dropout on the weights)",
        "从未使用 dropout：训练模式下应丢弃一部分注意力权重（对权重调用 self.dropout）",
        {"ex17-causal-attention": 2.25},
    ),
    Mistake(
        "dropout-scale-one-over-p", NB4, "return 1 / (1 - p)", "return 1 / p",
        "1/p agrees with dropout only at p = 0.5: on average a share 1 - p of the entries survives, so each survivor is "
        "scaled by 1/(1 - p) to keep every entry's expected value (with p = 0.2 the survivors are 1.25, not 5)",
        "1/p 只在 p = 0.5 时与 dropout 一致：平均有 1 - p 比例的元素保留下来，所以每个保留的元素乘以 1/(1 - p)，"
        "才能保持每个元素的期望值（p = 0.2 时保留的元素是 1.25，而不是 5）",
        {"ex16b-predict-rows": 2.25},
    ),
    Mistake(
        "empty-row-as-zeros", NB4, 'by_hand[0] = float("nan")', "by_hand[0] = 0.0",
        "softmax does not give a row of zeros when every score is -inf: every exp(-inf) is 0, so it divides 0 by 0, "
        "which is NaN (not a number)",
        "分数全是 -inf 的一行，softmax 给出的并不是 0：每个 exp(-inf) 都是 0，softmax 就成了 0 除以 0，结果是 NaN（不是一个数）",
        {"ex16b-predict-rows": 3.0},
    ),
    Mistake(
        "empty-row-spread-evenly", NB4, 'by_hand[0] = float("nan")', "by_hand[0] = 1 / n",
        "equal scores share a row evenly only when they are finite: every score of this row is -inf, each exp(-inf) is 0, "
        "so softmax divides 0 by 0, which is NaN (not a number)",
        "相等的分数只有在有限时才会平分一行：这一行的每个分数都是 -inf，每个 exp(-inf) 都是 0，softmax 就成了 0 除以 0，"
        "结果是 NaN（不是一个数）",
        {"ex16b-predict-rows": 1.75},
    ),
    Mistake(
        "heads-plain-list", NB5,
        "self.heads = nn.ModuleList(\n            [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]\n        )",
        "self.heads = [CausalAttention(d_in, d_out, context_length, dropout, qkv_bias) for _ in range(num_heads)]",
        "the heads are in a plain Python list, so PyTorch does not see them: the wrapper has no parameters, nothing would be "
        "trained or moved by .to(device); use nn.ModuleList",
        "这些头放在普通的 Python 列表里，PyTorch 看不到它们：包装类没有任何参数，训练和 .to(device) 都不会作用到它们；请使用 nn.ModuleList",
        {"ex18-mha-wrapper": 0.5},
    ),
    Mistake(
        "mha-scale-d-in", NB5, "attn_scores / keys.shape[-1]**0.5", "attn_scores / d_in**0.5",
        "the scores were divided by sqrt(d_in); each head compares vectors of head_dim numbers, so divide by sqrt(head_dim)",
        "分数除以了 sqrt(d_in)；每个头比较的是维度为 head_dim 的向量，所以应除以 sqrt(head_dim)",
        {"ex20-multi-head-attention": 0.25},
    ),
    Mistake(
        "mha-scale-d-out", NB5, "attn_scores / keys.shape[-1]**0.5", "attn_scores / self.d_out**0.5",
        "the scores were divided by sqrt(d_out); each head compares vectors of head_dim = d_out // num_heads numbers, so "
        "divide by sqrt(head_dim)",
        "分数除以了 sqrt(d_out)；每个头比较的是维度为 head_dim = d_out // num_heads 的向量，所以应除以 sqrt(head_dim)",
        {"ex20-multi-head-attention": 0.25},
    ),
    Mistake(
        "mha-view-heads-first", NB5,
        "keys = keys.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)\n"
        "        queries = queries.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)\n"
        "        values = values.view(b, num_tokens, self.num_heads, self.head_dim).transpose(1, 2)",
        "keys = keys.view(b, self.num_heads, num_tokens, self.head_dim)\n"
        "        queries = queries.view(b, self.num_heads, num_tokens, self.head_dim)\n"
        "        values = values.view(b, self.num_heads, num_tokens, self.head_dim)",
        "the projections were viewed straight as (b, num_heads, num_tokens, head_dim): the shape is right but each 'head' "
        "then holds pieces of different tokens; view as (b, num_tokens, num_heads, head_dim) first, then transpose(1, 2)",
        "投影结果被直接 view 成了 (b, num_heads, num_tokens, head_dim)：形状对了，但每个“头”里装的是不同词元的碎片；"
        "应先 view 成 (b, num_tokens, num_heads, head_dim)，再 transpose(1, 2)",
        {"ex20-multi-head-attention": 0.25},
    ),
    Mistake(
        "mha-no-contiguous", NB5, "context_vec.contiguous().view(", "context_vec.view(",
        "view needs numbers stored in order, and a transpose only changes how memory is read: call .contiguous() "
        "before .view (the book's inputs happen to pass because head_dim is 1 there)",
        "view 要求数据按顺序存放，而转置只改变读取内存的方式：在 .view 之前调用 .contiguous()（书中的输入碰巧能通过，因为那里 head_dim 为 1）",
        {"ex20-multi-head-attention": 1.25}, error=r"view size is not compatible with input tensor's size and stride",
    ),
    Mistake(
        "mha-mask-not-cut", NB5, "mask_bool = self.mask.bool()[:num_tokens, :num_tokens]", "mask_bool = self.mask.bool()",
        "the mask is context_length x context_length, but a sequence can be shorter: cut it to its top-left "
        "num_tokens x num_tokens corner before masking (the book's batch hides this: it is exactly context_length long)",
        "掩码的大小是 context_length x context_length，但序列可以更短：先把它裁成左上角的 num_tokens x num_tokens 再用来遮盖"
        "（书中的批次看不出这一点：它恰好有 context_length 个词元）",
        {"ex20-multi-head-attention": 2.25}, error=r"must match the size of tensor b",
    ),
    Mistake(
        "shapes-output-per-head", NB5, "(b, num_tokens, d_out)]", "(b, num_tokens, num_heads * d_out)]",
        "the output was predicted as the wrapper's, num_heads x d_out numbers per token; in MultiHeadAttention d_out is "
        "the size of the whole output, shared among the heads",
        "输出按包装类的方式预测成了每个词元 num_heads x d_out 个数；在 MultiHeadAttention 里 d_out 是整个输出的大小，由各个头分摊",
        {"ex19-predict-shapes": 0.0},
    ),
    Mistake(
        "extra-no-out-proj-bias", NB6, "return d_out * d_out + d_out  # out_proj", "return d_out * d_out  # out_proj",
        "the layer MultiHeadAttention has and the wrapper has not was counted without its bias, which adds d_out parameters",
        "MultiHeadAttention 有而包装类没有的那个层，少算了它的偏置：偏置又多出 d_out 个参数",
        {"ex24-wrapper-vs-mha": 0.0},
    ),
    Mistake(
        "formula-no-out-proj-bias", NB6, "out_proj = d_out * d_out + d_out", "out_proj = d_out * d_out",
        "one layer's bias is missing: out_proj is an nn.Linear(d_out, d_out) with a bias, which adds d_out parameters",
        "少算了一个层的偏置：out_proj 是带偏置的 nn.Linear(d_out, d_out)，偏置又多出 d_out 个参数",
        {"ex23-parameter-formula": 0.0},
    ),
]

MISTAKES: dict[str, Mistake] = {m.id: m for m in _CATALOGUE}
