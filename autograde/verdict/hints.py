"""Hints in tiers, one list per exercise (by grade id), kept out of the notebooks.

Three tiers: 1 gives the idea; 2 is something to run and look at ("print the row sums of your
weights: what should they be?"); 3 is a nudge about one point. No tier states the answer, in
code or in words: tests/test_hints.py checks every tier against every line of the solution
notebooks and against the words that would give each exercise away.

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
        ("print the shape of your result and the query you chose: there must be one score per token, and the query must be the printed vector of journey",
         "打印结果的形状和你选的查询：每个词元要有一个分数，查询必须是上面打印出来的 journey 的向量"),
        ("Python counts from 0: the second token of the sentence does not sit at index 2",
         "Python 从 0 开始计数：句子的第二个词元不在下标 2 处"),
    ],
    "ex2-softmax-naive": [
        ("softmax turns scores into weights that are positive and add up to 1: follow the formula above the exercise term by term",
         "softmax 把分数变成全为正、总和为 1 的权重：对照练习上方的公式一项一项地写"),
        ("print softmax_naive of torch.tensor([1.0, 2.0, 3.0]) and of torch.tensor([11.0, 12.0, 13.0]): softmax gives both the same weights, because only the differences between scores count; does yours?",
         "分别打印 softmax_naive 作用在 torch.tensor([1.0, 2.0, 3.0]) 和 torch.tensor([11.0, 12.0, 13.0]) 上的结果：softmax 对两者给出相同的权重，因为起作用的只是分数之间的差；你的也一样吗？"),
        ("the denominator adds up exponentials, not the scores themselves",
         "分母加起来的是指数，而不是分数本身"),
    ],
    "ex3-context-vector": [
        ("a context vector is a weighted sum of the input rows: each row counts as much as its attention weight",
         "上下文向量是各输入行的加权和：每一行所占的分量等于它的注意力权重"),
        ("print the shape of your result and of one input row: they must be the same (3 numbers here, not 6); then try weights of 1 for one token and 0 for the others: the result must be that token's row",
         "打印结果和一个输入行的形状：两者必须相同（这里是 3 个数，不是 6 个）；再试一组权重：某个词元为 1、其余为 0，结果必须正好是该词元那一行"),
        ("the running sum starts as zeros with as many numbers as one embedding has dimensions, not as many as there are tokens",
         "累加的和从零开始，数的个数等于一个嵌入的维度，而不是词元的个数"),
    ],
    # notebook 2
    "ex4-all-scores": [
        ("entry (i, j) is row i dotted with row j: find one matrix product whose first factor has the tokens as its rows and whose second factor has them as its columns",
         "元素 (i, j) 是第 i 行与第 j 行的点积：找一次矩阵乘法，让第一个因子以词元为行，第二个因子以词元为列"),
        ("print inputs.shape and the shape of your result: for 6 tokens of 3 dimensions the table is 6 x 6; a 3 x 3 result compares dimensions, not tokens",
         "打印 inputs.shape 和结果的形状：6 个 3 维词元的表是 6 x 6；如果得到 3 x 3，你比较的是维度而不是词元"),
        ("in a matrix product the inner sizes must agree and the outer sizes are the result's: which outer sizes do you want?",
         "矩阵乘法中内侧的两个大小必须相同，外侧的两个大小就是结果的形状：你想要的外侧大小是什么？"),
    ],
    "ex4b-predict-weights": [
        ("softmax takes e to the power of each score and divides by the total of the group it normalises; ln and exp undo each other",
         "softmax 对每个分数取 e 的幂，再除以被归一化的那一组的总和；ln 和 exp 互相抵消"),
        ("write the table of exponentials first and look at it: which numbers share out a row, and which share out a column?",
         "先写出指数表看一看：哪些数一起分配一行？哪些数一起分配一列？"),
        ("adding the same number to every score of a query multiplies all its exponentials by the same factor, and a common factor cancels in a division",
         "给一个查询的每个分数都加上同一个数，等于把它所有的指数乘以同一个因子，而公共因子在除法中会约掉"),
    ],
    "ex5-attention-weights": [
        ("each query's row must sum to 1: normalise along the keys, across the columns of the table",
         "每个查询那一行的和必须为 1：沿着键的方向、跨过表的各列归一化"),
        ("print attn_weights.sum(dim=0) and attn_weights.sum(dim=1): which one is all ones? Then try a batch of shape (2, 5, 5): does the same dim still walk along the keys?",
         "打印 attn_weights.sum(dim=0) 和 attn_weights.sum(dim=1)：哪一个全是 1？再试一批形状为 (2, 5, 5) 的分数：同一个 dim 还是沿着键的方向吗？"),
        ("count the dimensions from the end, so that a batch dimension added in front changes nothing",
         "从末尾往前数维度，这样在前面加上批次维度也不受影响"),
    ],
    "ex6-all-context-vecs": [
        ("row i of the result mixes the input rows with the weights of row i, for every i at once: that is one matrix product",
         "结果的第 i 行用第 i 行的权重混合各输入行，对所有 i 同时进行：这就是一次矩阵乘法"),
        ("print the shapes of attn_weights, inputs and your result: the result needs one row per token and as many numbers per row as an embedding",
         "打印 attn_weights、inputs 和结果的形状：结果应当每个词元一行，每行的数与一个嵌入一样多"),
        ("the order of the factors matters: in your product, which factor's rows belong to the queries?",
         "因子的顺序很重要：在你的乘法里，哪个因子的行属于各个查询？"),
    ],
    "ex6b-predict-cosines": [
        ("a dot product multiplies two vectors element by element and adds up; a cosine similarity divides it by both norms, and a norm is the square root of the sum of squares",
         "点积把两个向量逐元素相乘再求和；余弦相似度再除以两个向量的模，模是各分量平方和的平方根"),
        ("work out the three norms first and look at the vectors: which of them point the same way, and which are perpendicular (dot product 0)?",
         "先算出三个模，再看看这些向量：哪些方向相同？哪些互相垂直（点积为 0）？"),
        ("every norm and every dot product here is a whole number, and a cosine similarity always lies between -1 and 1",
         "这里每个模、每个点积都是整数，而余弦相似度总在 -1 和 1 之间"),
    ],
    "ex7-cosine-scores": [
        ("cosine similarity is the dot product divided by the norms of both vectors, so only the angle counts",
         "余弦相似度 = 点积除以两个向量的模，于是只剩下夹角的影响"),
        ("print the diagonal of your table (torch.diagonal): every token has a cosine similarity of 1 with itself; if yours does not, look at which norms divide entry (i, j)",
         "打印表的对角线（torch.diagonal）：每个词元与自己的余弦相似度都是 1；如果不是，看看元素 (i, j) 除以的是哪两个模"),
        ("entry (i, j) needs norm i times norm j: give the norms a shape that lets broadcasting build that table, a column times a row",
         "元素 (i, j) 需要 模 i 乘 模 j：把模排成合适的形状，让广播生成这张表：一列乘一行"),
    ],
    "ex7b-debug-attention": [
        ("test the buggy function for what attention must give: weights that are positive and sum to 1 along each row, each sentence of the batch treated on its own, and the results of your functions of exercises 4 to 6",
         "检查有缺陷的函数是否满足注意力应有的性质：权重为正且每行和为 1，批次中的每个句子各自独立处理，结果与你在练习 4 到 6 中写的函数相同"),
        ("compare it with your own functions on batch[1], the sentence read backwards, whose context vectors must be those of the sentence in reverse order; then print the weights it computes on inputs with negative numbers",
         "在 batch[1]（倒过来读的句子）上把它和你自己的函数比一比：它的上下文向量必须是原句的上下文向量倒过来排列；再打印它在含负数的输入上算出的权重"),
        ("each sentence of a batch may only be scored against its own tokens",
         "批次中的每个句子只能与它自己的词元打分"),
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
}


def hint(grade_id: str, tier: int) -> tuple[Hint | None, int]:
    """The hint of `grade_id` at `tier` (1 = the idea), capped at the most specific one,
    with how many tiers there are; (None, 0) for an exercise without hints."""
    tiers = HINTS.get(grade_id, [])
    if not tiers:
        return None, 0
    return tiers[min(max(tier, 1), len(tiers)) - 1], len(tiers)
