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
        ("print the shape of the wrapper's output and list(mha.parameters()): how many numbers per token should 2 heads of d_out = 2 give, and how many weight matrices should PyTorch list for them?",
         "打印包装类输出的形状和 list(mha.parameters())：2 个 d_out = 2 的头应让每个词元得到多少个数？PyTorch 应为它们列出多少个权重矩阵？"),
        ("a plain Python list hides the modules it holds from PyTorch; torch.nn has a container that registers each one",
         "普通的 Python 列表会把其中的模块藏起来，PyTorch 看不到；torch.nn 里有一个会逐个注册它们的容器"),
    ],
    "ex19-predict-shapes": [
        ("follow one tensor through the steps: share its last dimension among the heads, bring the heads next to the batch, compare every token with every token in each head, then put the heads back together",
         "跟着一个张量走完各步：把最后一维分给各个头，把头的维度移到批次旁边，在每个头里让每个词元和每个词元比较，再把各个头合起来"),
        ("work the book's case by hand first (2 sequences, 6 tokens, d_out 2, 2 heads): how many numbers does one head get per token, and how many scores does one head compute for one sequence? Then print what your function returns for those sizes",
         "先手算书中的情形（2 个序列、6 个词元、d_out 为 2、2 个头）：每个头为每个词元分到几个数？一个头为一个序列算出多少个分数？然后打印你的函数对这些大小返回的结果"),
        ("d_in plays no part after the projections, and in this class d_out is the size of everything the module hands on, not of one head",
         "投影之后 d_in 就不再起作用；在这个类里，d_out 是模块输出的全部大小，而不是一个头的大小"),
    ],
    "ex20-multi-head-attention": [
        ("compare the buggy class with the description above step by step, and test it rather than only reading it: causal attention has properties you can check on any input",
         "把有错误的类和上文的描述逐步对照，不要只读代码，还要测试它：因果注意力有一些在任何输入上都能检验的性质"),
        ("run it on two batches that differ only in their last token: which rows of the output may change? Then run it on a batch shorter than context_length. Each test that fails points at one step",
         "在只有最后一个词元不同的两个批次上各运行一次：输出的哪些行可以改变？再在比 context_length 短的批次上运行。每个失败的检验都指向某一步"),
        ("one bug raises no error and changes no shape: ask how many numbers the vectors each head compares have",
         "有一个错误既不报错也不改变形状：想一想每个头比较的向量有几个数"),
    ],
    # notebook 6
    "ex21-exercise-3-2": [
        ("the class stays as it is, only its arguments change: which argument decides how many numbers each token gets?",
         "类保持不变，只改参数：哪个参数决定每个词元得到多少个数？"),
        ("build wrappers with a few values of d_out and num_heads and print the size of the last dimension of each output: how does it depend on them? Then turn that relation around",
         "用几组不同的 d_out 和 num_heads 构建包装类，分别打印每个输出最后一维的大小：它和这两个参数是什么关系？再把这个关系反过来用"),
        ("with 2 heads and 2 numbers in total, how many can each head contribute? A layer's size must be a whole number",
         "2 个头、总共 2 个数，每个头能贡献几个？层的大小必须是整数"),
    ],
    "ex22-exercise-3-3": [
        ("count only what is trained: the parameters, not the buffers; the GPT-2 sizes are in the text above the exercise",
         "只数需要训练的东西：参数，不包括缓冲区；GPT-2 的各项大小见练习上方的说明"),
        ("try your count on nn.Linear(3, 2) first and print it: a 2 x 3 weight and a bias of 2, what total should you get? Then compare with the tensors named_parameters() lists for a small MultiHeadAttention",
         "先用 nn.Linear(3, 2) 试你的计数并打印：2 x 3 的权重加 2 个偏置，总数应是多少？再和一个小 MultiHeadAttention 的 named_parameters() 列出的张量对照"),
        ("every parameter tensor can tell how many entries it holds; the mask is not among the parameters",
         "每个参数张量都能告诉你它有多少个元素；掩码不在参数之列"),
    ],
    "ex23-parameter-formula": [
        ("list the layers MultiHeadAttention creates and count each one; a buffer is not a parameter",
         "列出 MultiHeadAttention 创建的各层并逐个计数；缓冲区不是参数"),
        ("build MultiHeadAttention(3, 2, 6, 0.0, num_heads=2) and print the shape of every tensor in named_parameters(): write each shape as a product of the sizes, then add them up",
         "构建 MultiHeadAttention(3, 2, 6, 0.0, num_heads=2)，打印 named_parameters() 中每个张量的形状：把每个形状写成各个大小的乘积，再加起来"),
        ("check which layers get a bias from qkv_bias and which have one anyway; then ask whether the number of heads changes any shape you printed",
         "看清哪些层的偏置由 qkv_bias 决定、哪些层无论如何都有偏置；再想一想头的个数是否改变了你打印的任何形状"),
    ],
    "ex24-wrapper-vs-mha": [
        ("count both on paper: what does each head of the wrapper own, and what does MultiHeadAttention have that the wrapper has not?",
         "在纸上分别数一数：包装类的每个头拥有什么？MultiHeadAttention 又多了什么包装类没有的东西？"),
        ("build both for d_in 3, d_out 4 and 2 heads and print their named_parameters() side by side: which shapes add up to the same total, and which tensors appear on one side only?",
         "为 d_in 3、d_out 4、2 个头各构建一个，把它们的 named_parameters() 并排打印：哪些形状加起来总数相同？哪些张量只出现在一边？"),
        ("a head of the wrapper projects d_in numbers to d_out // num_heads; add that over the heads before you compare it with one big matrix",
         "包装类的一个头把 d_in 个数投影成 d_out // num_heads 个数；先把所有头的加起来，再和一个大矩阵比较"),
    ],
}


def hint(grade_id: str, tier: int) -> tuple[Hint | None, int]:
    """The hint of `grade_id` at `tier` (1 = the idea), capped at the most specific one,
    with how many tiers there are; (None, 0) for an exercise without hints."""
    tiers = HINTS.get(grade_id, [])
    if not tiers:
        return None, 0
    return tiers[min(max(tier, 1), len(tiers)) - 1], len(tiers)
