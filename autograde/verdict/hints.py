"""Hints in tiers, one list per exercise (by grade id), kept out of the notebooks.

Tier 1 gives the idea; tier 2 is more specific (which dimension, which shape, which step
is usually forgotten). No tier shows a line of the solution: tests/test_hints.py checks
every tier against every line of the solution notebooks.

In JupyterLab the first failed run of a check cell shows tier 1 and later failed runs the
next tiers; `autograde check --hints N` shows tier N.
"""
from __future__ import annotations

Hint = tuple[str, str]

HINTS: dict[str, list[Hint]] = {
    # notebook 1
    "ex1-dot-scores": [
        ("a score is one dot product: multiply the query and one token element by element and add up; do it for every row of inputs",
         "一个分数就是一次点积：把查询和一个词元逐元素相乘再求和；对 inputs 的每一行都这样做"),
        ("fill a tensor of length inputs.shape[0] inside the loop, one torch.dot per row; the query is the second token (Python counts from 0)",
         "在循环里填充一个含 inputs.shape[0] 个元素的张量，每行一次 torch.dot；查询是第二个词元（Python 从 0 开始计数）"),
    ],
    "ex2-softmax-naive": [
        ("softmax = exponentials divided by their total, so every weight is positive and they add up to 1",
         "softmax = 各个指数除以它们的总和，所以每个权重都为正，且总和为 1"),
        ("apply torch.exp to the whole tensor once, then divide by the sum of that same tensor of exponentials, not by the sum of the scores",
         "对整个张量做一次 torch.exp，再除以这组指数的和，而不是分数的和"),
    ],
    "ex3-context-vector": [
        ("a context vector is a weighted sum of the input rows: each row counts as much as its attention weight",
         "上下文向量是各输入行的加权和：每一行的分量等于它的注意力权重"),
        ("start from zeros of length inputs.shape[1] (one input vector, not one per token) and add weight i times row i in the loop",
         "从维度为 inputs.shape[1] 的零向量开始（一个输入向量的维度，而不是词元个数），在循环中加上 第 i 个权重 乘 第 i 行"),
    ],
    # notebook 2
    "ex4-all-scores": [
        ("entry (i, j) is row i dotted with row j: that is what a matrix product computes when the second factor has the tokens as its columns",
         "元素 (i, j) 是第 i 行与第 j 行的点积：当第二个因子以词元为列时，矩阵乘法算的正是这个"),
        ("shapes: (tokens x dims) times (dims x tokens) gives (tokens x tokens); the second factor is inputs turned on its side",
         "形状：(词元数 x 维度) 乘 (维度 x 词元数) 得到 (词元数 x 词元数)；第二个因子是把 inputs 转过来"),
    ],
    "ex5-attention-weights": [
        ("each query's row must sum to 1: normalise along the keys, which are the last dimension",
         "每个查询那一行的和必须为 1：沿着键的方向归一化，也就是最后一个维度"),
        ("count dimensions from the end so that a batch in front changes nothing; dim=0 normalises the columns instead",
         "从末尾数维度，这样前面多出批次维度也不受影响；dim=0 归一化的是列"),
    ],
    "ex6-all-context-vecs": [
        ("row i of the result mixes the input rows with the weights of row i: one matrix product, weights first",
         "结果的第 i 行用第 i 行权重混合各输入行：一次矩阵乘法，权重在前"),
        ("(tokens x tokens) times (tokens x dims) gives (tokens x dims); the @ operator also multiplies batches of matrices",
         "(词元数 x 词元数) 乘 (词元数 x 维度) 得 (词元数 x 维度)；@ 运算符也能对一批矩阵相乘"),
    ],
    "ex7-cosine-scores": [
        ("cosine similarity is the dot product divided by the lengths of both vectors, so only the angle counts",
         "余弦相似度 = 点积除以两个向量的长度，于是只剩下夹角的影响"),
        ("take the length of every row once; to divide entry (i, j) by length i times length j, shape the lengths as a column and a row (keepdim=True) and let broadcasting build the table",
         "先求出每一行的长度；要让元素 (i, j) 除以 长度 i 乘 长度 j，把长度排成一列和一行（keepdim=True），让广播生成整张表"),
    ],
    # notebook 3
    "ex8-score-spread": [
        ("a score adds up d_k products q_i * k_i; for independent standard normal numbers each product has variance 1, and variances of independent terms add up",
         "一个分数是 d_k 个乘积 q_i * k_i 之和；对独立的标准正态数，每个乘积的方差为 1，独立项的方差可以相加"),
        ("the variance of the score is d_k; the spread (standard deviation) is the square root of the variance",
         "分数的方差是 d_k；分散程度（标准差）是方差的平方根"),
    ],
    "ex9-scaled-weights": [
        ("three steps: scores of the query against every key, divide them by the square root of the key size, softmax over the keys",
         "三步：查询与每个键的分数，除以键维度的平方根，再对键做 softmax"),
        ("multiply by the transpose of keys so that several queries (one per row) also work; d_k is the size of one key, the last dimension of keys; query_2 uses the input of journey and keys use all inputs",
         "乘以 keys 的转置，这样多个查询（每行一个）也能用；d_k 是一个键的维度，即 keys 的最后一维；query_2 用 journey 的输入，keys 用全部输入"),
    ],
    "ex10-self-attention-v1": [
        ("the same three moves as before, but with the projected queries, keys and values of x instead of x itself",
         "与之前相同的三步，只是用 x 投影得到的查询、键、值，而不是 x 本身"),
        ("project with the module's own matrices (self.W_...), scale the scores by the square root of the key size, softmax over the last dimension, and blend the values, not the inputs",
         "用模块自己的矩阵（self.W_...）投影，分数除以键维度的平方根，在最后一维做 softmax，融合的是值向量而不是输入"),
    ],
    "ex11-self-attention-v2": [
        ("a linear layer without bias computes x times a weight matrix: call the layers instead of multiplying by matrices",
         "不带偏置的线性层计算的就是 x 乘权重矩阵：调用这些层，而不是自己乘矩阵"),
        ("the layers take d_in numbers and give d_out, with the bias switched by qkv_bias; create them in the order query, key, value so that a seed gives the book's numbers",
         "这些层输入 d_in 个数、输出 d_out 个数，偏置由 qkv_bias 决定；按查询、键、值的顺序创建，同一个种子才能得到书中的数字"),
    ],
    "ex12-copy-weights": [
        ("v1 multiplies x by a (d_in, d_out) matrix, while nn.Linear keeps its weight as (d_out, d_in)",
         "v1 用 x 乘一个 (d_in, d_out) 矩阵，而 nn.Linear 存储的权重是 (d_out, d_in)"),
        ("for each of the three names, give sa_v1 a new nn.Parameter made from the transpose of the matching layer's weight",
         "对三个名字中的每一个，用对应层权重的转置构造一个新的 nn.Parameter 交给 sa_v1"),
    ],
    # notebook 4
    "ex13-renormalise": [
        ("divide every row by its own sum, so that each row adds up to 1 again",
         "把每一行除以它自己的和，让每一行的和重新为 1"),
        ("sum over the last dimension and keep that dimension (keepdim=True): a column of row sums then divides each row, also in a batch",
         "沿最后一维求和并保留这一维（keepdim=True）：这样每一行都除以它那一列中对应的行和，批次也一样"),
    ],
    "ex14-causal-mask": [
        ("the future is every entry above the diagonal; the diagonal stays, since a token may look at itself",
         "未来就是对角线以上的所有元素；对角线保留，因为词元可以看自己"),
        ("build an upper-triangle matrix that starts one step above the diagonal, of size n from the last dimension, and fill where it is true with minus infinity; masked_fill returns a new tensor",
         "构造一个从对角线上方一格开始的上三角矩阵，大小 n 取自最后一维，在为真的位置填入负无穷；masked_fill 返回一个新张量"),
    ],
    "ex15-causal-weights": [
        ("mask first, then scale, then softmax: the masked entries must come out as weights of exactly 0",
         "先加掩码，再缩放，最后 softmax：被遮住的位置得到的权重必须恰好为 0"),
        ("reuse your causal_scores, divide by the square root of d_k (not by d_k), and normalise along the last dimension",
         "复用你的 causal_scores，除以 d_k 的平方根（不是 d_k），再沿最后一维归一化"),
    ],
    "ex16-debug-weights": [
        ("test the buggy function's output for properties: every row sums to 1, zeros above the diagonal, and the same weights as your causal_attention_weights",
         "检查有缺陷函数的输出是否满足：每行和为 1、对角线以上为 0、与你的 causal_attention_weights 给出的权重相同"),
        ("there are three bugs: one line whose result is thrown away, a scale that is not a square root, and a softmax over the wrong dimension of a batch",
         "共有三处错误：一行代码的结果被丢掉了，一个缩放不是平方根，还有一个 softmax 对批次用错了维度"),
    ],
    "ex17-causal-attention": [
        ("this is SelfAttention_v2 for a batch, plus the mask before the softmax and dropout after it",
         "这就是处理批次的 SelfAttention_v2，外加 softmax 之前的掩码和之后的 dropout"),
        ("register the mask as a buffer; in forward swap only the last two dimensions of keys, cut the mask to the actual number of tokens, and apply self.dropout to the weights (after the softmax)",
         "把掩码注册为缓冲区；在 forward 中只交换 keys 的最后两个维度，把掩码裁到实际的词元数，并对权重（softmax 之后）调用 self.dropout"),
    ],
    # notebook 5
    "ex18-mha-wrapper": [
        ("run every head on the same x and lay their outputs side by side along the feature dimension",
         "让每个头处理同一个 x，再沿特征维度把它们的输出并排拼接"),
        ("keep the heads in an nn.ModuleList so that PyTorch registers their weights; join the outputs with torch.cat along the last dimension",
         "把这些头放进 nn.ModuleList，PyTorch 才会注册它们的权重；用 torch.cat 沿最后一维拼接输出"),
    ],
    "ex19-predict-shapes": [
        ("follow one tensor through the steps: split the last dimension into heads, move the heads next to the batch, attend, and combine",
         "跟着一个张量走完各步：把最后一维拆成多个头，把头的维度移到批次旁边，计算注意力，再合并"),
        ("each head works with d_out // num_heads numbers (head_dim); a score matrix is tokens x tokens for every sequence and every head; the output has d_out numbers per token, whatever d_in is",
         "每个头处理 d_out // num_heads 个数（head_dim）；每个序列、每个头都有一个 词元数 x 词元数 的分数矩阵；输出每个词元有 d_out 个数，与 d_in 无关"),
    ],
    "ex20-multi-head-attention": [
        ("the same causal attention as one head, done for all heads at once: split, attend with batched matrix products, combine, mix with out_proj",
         "与单个头相同的因果注意力，一次对所有头完成：拆分、用批量矩阵乘法计算注意力、合并、用 out_proj 混合"),
        ("view to (batch, tokens, heads, head_dim) and only then transpose the heads forward; scale by the square root of head_dim; transpose back and make the tensor contiguous before the final view",
         "先 view 成 (批次, 词元, 头, head_dim)，然后再把头的维度转置到前面；除以 head_dim 的平方根；最后 view 之前先转置回来并调用 contiguous"),
    ],
    "ex21-exercise-3-2": [
        ("the wrapper lays num_heads vectors of d_out numbers side by side: how many numbers does each head need to give output_dim in total?",
         "包装类把 num_heads 个维度为 d_out 的向量并排拼接：每个头要给出多少个数，总数才是 output_dim？"),
        ("the size of one head is the total divided by the number of heads (an integer division); dropout is 0.0",
         "一个头的大小等于总数除以头的个数（整数除法）；dropout 为 0.0"),
    ],
    "ex22-exercise-3-3": [
        ("count only what is trained: the parameters, not the buffers; the GPT-2 sizes are in the text above the exercise",
         "只数需要训练的东西：参数，不包括缓冲区；GPT-2 的各项大小见练习上方的说明"),
        ("add up numel() over model.parameters(); build MultiHeadAttention with 768 in and out, a context of 1024, no dropout and 12 heads",
         "对 model.parameters() 的 numel() 求和；构建输入输出都是 768、上下文 1024、无 dropout、12 个头的 MultiHeadAttention"),
    ],
    "ex23-parameter-formula": [
        ("list the layers of MultiHeadAttention and count each one: a linear layer has in x out weights, plus out biases when it has a bias",
         "列出 MultiHeadAttention 的各层并逐个计数：一个线性层有 输入 x 输出 个权重，带偏置时再加 输出 个偏置"),
        ("three projections from d_in to d_out (biases only with qkv_bias) and out_proj from d_out to d_out, which always has a bias; num_heads does not appear",
         "三个从 d_in 到 d_out 的投影（只有 qkv_bias 时才有偏置），以及从 d_out 到 d_out、总是带偏置的 out_proj；num_heads 不出现在公式里"),
    ],
    "ex24-wrapper-vs-mha": [
        ("count both on paper: what does each head of the wrapper own, and what does MultiHeadAttention have that the wrapper has not?",
         "在纸上分别数一数：包装类的每个头拥有什么？MultiHeadAttention 又多了什么包装类没有的东西？"),
        ("num_heads heads of d_out // num_heads numbers each hold together exactly as many projection weights as the three big matrices; the difference is one layer",
         "num_heads 个大小为 d_out // num_heads 的头，投影权重加起来正好等于三个大矩阵；差别只在一个层"),
    ],
    # notebook 7
    "ex25-predict-pattern": [
        ("row i is query i; a head that has learnt the task looks at exactly one token from each row, the one its output must copy",
         "第 i 行是查询 i；学会了任务的头在每一行只看一个词元，也就是它的输出要复制的那个"),
        ("print previous_targets(sentence) next to the sentence: for each position, which position holds the token it must output? Then print your table and the sum of each of its rows: what must every row sum to?",
         "把 previous_targets(sentence) 和句子并排打印：每个位置要输出的词元在哪个位置？再打印你的表和它每一行的和：每一行的和应该是多少？"),
        ("a causal row may only use the keys up to its own position, and the first query sees nothing but its own key",
         "因果注意力的一行只能用到它自己位置为止的键，而第一个查询除了自己的键什么也看不到"),
    ],
    "ex26-uniform-loss": [
        ("the loss at one position is minus the natural logarithm of the probability the model gives the right token; here every token gets the same probability",
         "一个位置上的损失，是模型给正确词元的概率取自然对数再取负；这里每个词元得到的概率都一样"),
        ("print torch.softmax(torch.zeros(4), dim=0): when all logits are equal, what probability does each of 4 tokens get, and what would each of vocab_size tokens get?",
         "打印 torch.softmax(torch.zeros(4), dim=0)：当所有 logits 都相等时，4 个词元各得到多少概率？换成 vocab_size 个词元，每个又得到多少？"),
        ("cross-entropy uses the natural logarithm (math.log), not base 2, and the loss is never negative",
         "交叉熵用的是自然对数（math.log），不是以 2 为底，而且损失永远不会是负数"),
    ],
    "ex27-train": [
        ("one step of gradient descent: the loss, its gradient for every parameter, then a small move of every parameter against its gradient",
         "梯度下降的一步：算出损失，求出它对每个参数的梯度，再让每个参数朝梯度的反方向移动一小步"),
        ("run your train for 1, 2 and 3 steps on fresh models built with the same seed and print model.out.weight.grad each time: does the gradient after a step still hold the one from the step before?",
         "用同一个种子新建几个模型，用你的 train 分别训练 1、2、3 步，每次都打印 model.out.weight.grad：一步之后的梯度里是否还留着上一步的梯度？"),
        ("create the optimiser once, before the loop, and record each loss as a plain number taken before that step changes the weights",
         "优化器只在循环之前创建一次；每个损失都要在这一步改动权重之前记下来，并且是普通的数"),
    ],
    "ex28-design": [
        ("the words must play no part: build the queries and keys from the position part of the one-hot inputs, so that the query at one position matches the key of the position one step earlier",
         "词本身不能起作用：只用独热输入里表示位置的那部分来构造查询和键，让一个位置的查询恰好与前一格位置的键相匹配"),
        ("put your two matrices into designed_head, print head_weights of that head on x, and print the scores (x @ W_query) @ (x @ W_key).T: where are the large scores, and how much weight does each row put on them after the softmax?",
         "把你的两个矩阵交给 designed_head，打印这个头在 x 上的 head_weights，再打印分数 (x @ W_query) @ (x @ W_key).T：大的分数在哪里？softmax 之后每一行在那里放了多少权重？"),
        ("the right key must win by a wide margin: the softmax sees the score gap divided by the square root of d, and up to context_length - 1 other keys share what is left",
         "正确的键必须以很大的优势胜出：softmax 看到的是分数差除以 d 的平方根，而最多有 context_length - 1 个其他键分走剩下的权重"),
    ],
}


def hint(grade_id: str, tier: int) -> tuple[Hint | None, int]:
    """The hint of `grade_id` at `tier` (1 = the idea), capped at the most specific one,
    with how many tiers there are; (None, 0) for an exercise without hints."""
    tiers = HINTS.get(grade_id, [])
    if not tiers:
        return None, 0
    return tiers[min(max(tier, 1), len(tiers)) - 1], len(tiers)
