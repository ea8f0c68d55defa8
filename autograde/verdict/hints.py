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
