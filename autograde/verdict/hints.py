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
        ("a score is a sum of d_k independent products q_i * k_i: what happens to the variance when independent terms are added?",
         "一个分数是 d_k 个相互独立的乘积 q_i * k_i 之和：独立的项相加时，方差会怎样？"),
        ("print (torch.randn(100000) * torch.randn(100000)).var(), the variance of one product; then ask what d_k of them add up to, and how a variance turns into a standard deviation",
         "打印 (torch.randn(100000) * torch.randn(100000)).var()，也就是一个乘积的方差；再想一想 d_k 个这样的乘积加起来是多少，方差又怎样变成标准差"),
        ("the function returns a standard deviation, not a variance: for d_k = 1 the two agree, for every other d_k they differ",
         "函数返回的是标准差，不是方差：d_k = 1 时两者相同，其他 d_k 下都不同"),
    ],
    "ex9-scaled-weights": [
        ("the first two moves: score the query against every key, scale the scores as exercise 8 showed, and turn them into weights that add up to 1 for each query",
         "前两步：让查询与每个键打分，按练习 8 的结论缩放分数，再把它们变成每个查询加起来为 1 的权重"),
        ("print query_2.shape, keys.shape and the shape of your scores, then the sum of each row of your weights: how many scores does one query get, and what must each row add up to?",
         "打印 query_2.shape、keys.shape 和你的分数的形状，再打印权重每一行的和：一个查询应得到几个分数？每一行加起来应是多少？"),
        ("d_k is the dimension of one key: not the number of keys (6 here), nor the size of an input (3)",
         "d_k 是一个键的维度：既不是键的个数（这里是 6），也不是输入的维度（3）"),
    ],
    "ex10-self-attention-v1": [
        ("run the buggy module one step at a time and compare each intermediate tensor with the ones you computed for journey above: a bug sits where they first disagree",
         "一步一步地运行有错误的模块，把每个中间张量和你上面为 journey 算出的对照：第一次不一致的地方就有错误"),
        ("print the row sums of its attention weights (what should they be?), and its query for journey beside your query_2",
         "打印它的注意力权重每一行的和（应该是多少？），再把它为 journey 算出的查询和你的 query_2 并排打印"),
        ("one bug is in the scale: which dimension is d_k, and which dimension does the buggy line read?",
         "其中一处错误在缩放上：d_k 是哪个维度？有错误的那一行读的又是哪个维度？"),
    ],
    "ex11-self-attention-v2": [
        ("a linear layer without bias multiplies its input by a weight matrix: let three layers do the projections instead of raw matrices",
         "不带偏置的线性层就是把输入乘以一个权重矩阵：让三个层来完成投影，而不是用裸矩阵"),
        ("print each layer's weight shape and the shape of your output for inputs: what should they be with d_in = 3 and d_out = 2?",
         "打印每个层的权重形状，以及你对 inputs 的输出形状：d_in = 3、d_out = 2 时它们应是多少？"),
        ("the check on other inputs asks for biases: whether a layer has one must follow the constructor's argument",
         "对其他输入的检查要求带偏置：一个层有没有偏置，要由构造函数的参数决定"),
    ],
    "ex12-copy-weights": [
        ("v1 multiplies x by a (d_in, d_out) matrix, while nn.Linear keeps its weight as (d_out, d_in)",
         "v1 用 x 乘一个 (d_in, d_out) 矩阵，而 nn.Linear 存储的权重是 (d_out, d_in)"),
        ("print sa_v1.W_query.shape beside sa_v2.W_query.weight.shape, then both modules' outputs on inputs after your copy: the shapes must agree, and so must the outputs",
         "把 sa_v1.W_query.shape 和 sa_v2.W_query.weight.shape 并排打印，再打印复制之后两个模块对 inputs 的输出：形状要一致，输出也要一致"),
        ("sa_v1 must still be able to train what it got: each of its three matrices has to be a parameter of its own, one per name",
         "sa_v1 还要能训练它拿到的东西：三个矩阵都必须是它自己的参数，每个名字一个"),
    ],
    # notebook 4
    "ex13-renormalise": [
        ("divide every row by its own sum, so that each row adds up to 1 again",
         "把每一行除以它自己的和，让每一行的和重新为 1"),
        ("print the row sums of your result (what should they be?) and the shape of the sums you divide by: how does broadcasting line a flat vector up against a table?",
         "打印结果的行和（应该是多少？）以及你用来做除数的那些和的形状：广播会怎样把一个扁平向量和一张表对齐？"),
        ("the sums you divide by must stand as a column, one per row: shape (n, 1), or (b, n, 1) for a batch, not (n,)",
         "做除数的和必须竖成一列，每行一个：形状是 (n, 1)，批次则是 (b, n, 1)，而不是 (n,)"),
    ],
    "ex14-causal-mask": [
        ("the future is every entry above the diagonal; the diagonal stays, since a token may look at itself",
         "未来就是对角线以上的所有元素；对角线保留，因为词元可以看自己"),
        ("build your mask for n = 4 and print it beside the scores: it must mark exactly the places where a token looks at a later one, and leave the diagonal unmarked",
         "取 n = 4 构造你的掩码，把它和分数并排打印：它必须恰好标出词元看向后面词元的位置，对角线不能被标出"),
        ("triu's diagonal argument moves the edge of the kept triangle; masked_fill wants a boolean tensor and gives back a new tensor",
         "triu 的 diagonal 参数决定保留的三角从哪条对角线开始；masked_fill 需要一个布尔张量，并返回一个新张量"),
    ],
    "ex15-causal-weights": [
        ("mask first, then scale, then softmax: the masked entries must come out as weights of exactly 0",
         "先加掩码，再缩放，最后 softmax：被遮住的位置得到的权重必须恰好为 0"),
        ("print the row sums of your weights (what should they be?) and the entries above the diagonal, then compare your weights with masked_simple_norm from exercise 13",
         "打印你的权重的行和（应该是多少？）和对角线以上的元素，再把你的权重和练习 13 的 masked_simple_norm 比较"),
        ("the scale divides every score by one number that depends only on the size of the keys, the same number as in notebook 3; and in a batch, which dimension holds one query's row?",
         "缩放是把每个分数除以同一个数，它只取决于键的维度，与第 3 个笔记本里的相同；在批次中，哪一维装着一个查询的那一行？"),
    ],
    "ex16-debug-weights": [
        ("test the buggy function's output for the properties causal attention weights must have",
         "检查有缺陷函数的输出是否具备因果注意力权重必须有的性质"),
        ("print buggy_causal_weights(batch_queries, batch_keys)[0], its row sums and its entries above the diagonal, then compare it with your causal_attention_weights on the same scores",
         "打印 buggy_causal_weights(batch_queries, batch_keys)[0]、它的行和以及对角线以上的元素，再和你的 causal_attention_weights 在同样分数上的结果比较"),
        ("each bug breaks one property: what the rows sum to, what sits above the diagonal, or how peaked the weights are; for every line, ask whether its result is used at all",
         "每个错误破坏一个性质：行和、对角线以上的值，或者权重有多尖锐；对每一行代码，都问一问它的结果到底有没有被用上"),
    ],
    "ex16b-predict-rows": [
        ("two things to reason out: dropout keeps each entry's average what it was, and softmax shares a row only among the scores that are not minus infinity",
         "要推出两件事：dropout 让每个元素的平均值保持不变；softmax 只把一行的权重分给不是负无穷的那些分数"),
        ("count the survivors of nn.Dropout(0.2)(torch.ones(1000)) and look at the mean of the whole output: what must one survivor be worth for the mean to stay near 1? For the weights, print torch.exp of a few scores of minus infinity, and their sum",
         "数一数 nn.Dropout(0.2)(torch.ones(1000)) 保留下来的元素，再看整个输出的均值：一个保留下来的元素要值多少，均值才能保持在 1 附近？至于权重，打印几个负无穷分数的 torch.exp 以及它们的和"),
        ("with p = 0.2 most entries survive, so each needs only a small boost; and in row 1, what is the denominator of softmax?",
         "p = 0.2 时大多数元素都保留下来，所以每个只需要放大一点；在第 1 行，softmax 的分母是多少？"),
    ],
    "ex17-causal-attention": [
        ("this is SelfAttention_v2 for a batch, plus the mask before the softmax and dropout after it",
         "这就是处理批次的 SelfAttention_v2，外加 softmax 之前的掩码和之后的 dropout"),
        ("run your module on batch[:, :4, :] and print the shape of the scores and of the mask you apply to them; then list ca.named_buffers() and ca.named_parameters(): where does the mask appear?",
         "用 batch[:, :4, :] 运行你的模块，打印分数的形状和你用来遮盖它们的掩码的形状；再列出 ca.named_buffers() 和 ca.named_parameters()：掩码出现在哪里？"),
        ("keys now have three dimensions: swap only the last two; and drop weights with the module's own dropout, after the softmax, so that eval() switches it off",
         "keys 现在有三个维度：只交换最后两个；并用模块自己的 dropout 在 softmax 之后丢弃权重，这样 eval() 才能把它关掉"),
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
