"""Hints come in tiers from the package, never from the notebooks, and never show a line of
the solution; a learner sees the idea first and more on later failed runs."""
import re

import nbformat
import pytest
import torch

from autograde import course
from autograde.kernel import exercise
from autograde.verdict import references
from autograde.verdict.hints import HINTS, hint

SOLUTION = re.compile(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", re.S)


def solution_lines() -> set[str]:
    lines = set()
    for path in sorted(course.solutions("ch03").glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for region in SOLUTION.findall(cell.source):
                for line in region.splitlines():
                    line = line.split("#")[0].strip()
                    if len(line) >= 8:
                        lines.add(line)
                        lines.add(line.removeprefix("return ").strip())
    return lines


# Each exercise's answer in the words and symbols a hint could give it away with: the key
# expression, the formula, the number, in both languages. No tier may contain one (spaces and
# case ignored). Every exercise has an entry, so a new exercise cannot slip past.
GIVEAWAYS: dict[str, tuple[str, ...]] = {
    "ex1-dot-scores": ("inputs[1]", "inputs @ query", "torch.dot(x_i", "attn_scores[i]", "query = inputs", "index 1", "下标 1"),
    "ex2-softmax-naive": ("torch.exp(x) /", "exp(x).sum", "exp().sum", "torch.softmax(x", "x.softmax("),
    "ex3-context-vector": ("attn_weights[i] * x_i", "inputs.shape[1]", "torch.zeros(3)", "attn_weights @ inputs", "weights @ inputs"),
    "ex4-all-scores": ("inputs @ inputs.T", "inputs.T", "inputs.mT", "transpose", "转置", "einsum", "torch.mm(inputs"),
    "ex4b-predict-weights": ("1/4", "3/4", "1/3", "2/3", "3/5", "2/5", "1/8", "5/8", "0.25", "0.75", "0.125", "0.625", "0.6", "0.4", "softmax(toy", "dim=0)"),
    "ex5-attention-weights": ("dim=-1", "dim = -1", "last dimension", "最后一维", "最后一个维度", "softmax(attn_scores, dim"),
    "ex6-all-context-vecs": ("attn_weights @ inputs", "weights @ inputs", "weights first", "权重在前", "torch.matmul(attn_weights", "torch.bmm"),
    "ex6b-predict-cosines": ("25", "50", "100", "-1.0", "= -1", "opposite", "相反", "反向", "b = 2a", "twice", "两倍"),
    "ex7-cosine-scores": ("keepdim=True", "keepdim", "norms * norms.T", "norms.T", "[:, None]", "unsqueeze", "cosine_similarity("),
    "ex7b-debug-attention": ("softmax", "inputs[0]", "inputs.transpose(1, 2)", "transpose(1, 2) @", "weights @ inputs", "exponential", "指数",
                             "first sentence", "第一个句子", "plain sum", "transposed weights"),
    "ex8-score-spread": ("d_k**0.5", "sqrt(d_k)", "√d_k", "d_k ** 0.5", "square root of d_k", "root of d_k", "variance is d_k", "variance d_k", "variance of d_k", "variance equals d_k", "d_k 的平方根", "方差是 d_k", "方差为 d_k", "方差等于 d_k"),
    "ex9-scaled-weights": ("query @ keys.T", "keys.T", "keys.transpose", "keys.shape[-1]", "d_k**0.5", "sqrt(d_k)", "√d_k", "square root", "平方根", "dim=-1", "last dimension", "最后一维", "最后一个维度", "inputs[1]", "x_2 @ W_query", "inputs @ W_key", "inputs @ W_value"),
    "ex10-self-attention-v1": ("x @ self.W_query", "self.W_query", "keys.shape[-1]", "x.shape[-1]", "dim=-1", "dim=0", "made with W_key", "from W_key", "of d_in", "size of x", "columns", "用 W_key", "d_in 的平方根", "列和"),
    "ex11-self-attention-v2": ("nn.Linear(d_in, d_out", "bias=qkv_bias", "self.W_query(x)", "self.W_key(x)", "self.W_value(x)"),
    "ex12-copy-weights": ("weight.T", "weight.t()", ".transpose(", "transpose", "转置", "permute", "nn.Parameter(linear", "setattr", "detach"),
    "ex13-renormalise": ("keepdim", "sum(dim=-1,keepdim", "sum(-1,keepdim", "masked_weights/masked_weights.sum", "保留这一维"),
    "ex14-causal-mask": ("diagonal=1", "k=1", "k = 1", "mask.bool()", "triu(torch.ones(n,n)", "-torch.inf)", "上方一格"),
    "ex15-causal-weights": ("d_k**0.5", "sqrt(d_k)", "square root", "dim=-1", "softmax(causal_scores", "平方根"),
    "ex16-debug-weights": ("masked_fill_", "thrown away", "discarded", "dim=-1", "dim=1", "d_k**0.5", "sqrt", "square root",
                           "wrong dimension", "丢掉", "平方根", "用错了维度"),
    "ex16b-predict-rows": ("1/(1-p)", "1/(1−p)", "(1-p)", "1-p", "1−p", "1/p", "1.25", "nan", "not a number", "0/0",
                           "divided by 0", "1/i", "不是一个数", "除以 0", "0 除以 0"),
    "ex17-causal-attention": ("register_buffer", "transpose(1,2)", "[:num_tokens,:num_tokens]", "masked_fill_",
                              "self.dropout(attn_weights)", "keys.transpose", "mask.bool()[:num_tokens"),
    "ex18-mha-wrapper": ("torch.cat", "cat(", "dim=-1", "ModuleList", "最后一维拼接", "along the last dimension"),
    "ex19-predict-shapes": ("(b, num_heads, num_tokens, head_dim)", "(b, num_heads, num_tokens, num_tokens)", "(b, num_tokens, d_out)",
                            "d_out // num_heads numbers", "num_tokens x num_tokens", "tokens x tokens", "词元数 x 词元数",
                            "(批次, 头, 词元", "(2, 2, 6, 1)", "(2, 2, 6, 6)", "(2, 6, 2)"),
    "ex20-multi-head-attention": ("[:num_tokens, :num_tokens]", "(b, num_tokens, num_heads, head_dim)",
                                  "view(b, num_tokens, self.num_heads", "head_dim**0.5", "sqrt(head_dim)", "√head_dim",
                                  "square root of head_dim", "keys.shape[-1]**0.5", "cut the mask", "top-left", "左上角",
                                  "裁到", "head_dim 的平方根", "then transpose", "再转置", "再把头的维度转置"),
    "ex21-exercise-3-2": ("output_dim // num_heads", "output_dim / num_heads", "divided by the number of heads",
                          "total divided by", "除以头的个数", "总数除以", "d_out=1", "1 number each", "1 个数"),
    "ex22-exercise-3-3": ("numel", "model.parameters()", "768, 768", "context_length=1024", "num_heads=12", "12 heads",
                          "12 个头", "2,360,064", "2360064", "2.36"),
    "ex23-parameter-formula": ("3 * (d_in * d_out", "3 * d_in * d_out", "d_out * d_out + d_out", "d_out*d_out+d_out",
                               "num_heads does not appear", "num_heads 不出现", "out_proj from d_out to d_out",
                               "always has a bias", "总是带偏置", "2,360,064", "589,824"),
    "ex24-wrapper-vs-mha": ("d_out * d_out + d_out", "d_out*d_out+d_out", "d_out ** 2", "d_out²", "out_proj",
                            "one layer", "一个层", "590,592", "the same projection weights", "正好等于三个大矩阵"),
    "ex25-predict-pattern": ("i - 1", "i-1", "pattern[0, 0]", "torch.eye", "diagonal=-1", "below the diagonal",
                             "under the diagonal", "one column to the left", "weight 1 on itself", "对角线下方",
                             "对角线以下一格", "左边一列", "权重全部放在自己"),
    "ex26-uniform-loss": ("math.log(vocab_size)", "log(vocab_size)", "ln(vocab_size)", "ln 8", "2.08", "2.079",
                          "log of vocab_size", "log(1 / vocab_size)", "1 / vocab_size", "1/vocab_size",
                          "one over vocab_size", "词表大小的对数", "词表大小分之一"),
    "ex27-train": ("optimizer.zero_grad()", "zero_grad", "loss.backward()", "optimizer.step()",
                   "torch.optim.SGD(model.parameters(), lr=lr)", "clear the gradients", "清零梯度", "清掉梯度", "清除梯度"),
    "ex28-design": ("vocab_size + i", "i + 1", "10.0 * context_length", "strength", "W_query[vocab_size", "W_key[vocab_size",
                    "position i - 1", "multiply by 10", "乘以 10", "放大倍数"),
}


def squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text).casefold()


def giveaways_in(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if squeezed(w) in squeezed(text)]


def test_every_exercise_has_three_tiers_and_no_stray_hints():
    """The idea; something to run and look at; a nudge about one point."""
    exercises = references.load(hidden=False).exercises
    assert set(HINTS) == set(exercises)
    for grade_id, tiers in HINTS.items():
        assert len(tiers) == 3, grade_id
        assert all(en and zh and en != zh for en, zh in tiers), grade_id
        assert len({en for en, _ in tiers}) == len(tiers), f"{grade_id}: tiers repeat"


def test_no_hint_shows_a_line_of_the_solution():
    lines = solution_lines()
    assert len(lines) > 50  # the solutions were read
    for grade_id, tiers in HINTS.items():
        for en, zh in tiers:
            shown = [line for line in lines if line in en or line in zh]
            assert not shown, f"{grade_id} hint shows solution code: {shown}"


def test_no_hint_gives_the_answer_away_in_words():
    assert set(GIVEAWAYS) == set(HINTS), "every exercise lists what would give its answer away"
    for grade_id, tiers in HINTS.items():
        assert GIVEAWAYS[grade_id], grade_id
        for en, zh in tiers:
            given = giveaways_in(en, GIVEAWAYS[grade_id]) + giveaways_in(zh, GIVEAWAYS[grade_id])
            assert not given, f"{grade_id} hint gives the answer away: {given}"
    # spacing and case do not hide an answer
    assert giveaways_in("try Dim = -1 here", ("dim=-1",)) == ["dim=-1"]


def test_notebooks_carry_no_hints():
    for folder in (course.solutions("ch03"), course.release("ch03")):
        for path in folder.glob("*.ipynb"):
            for cell in nbformat.read(path, as_version=4).cells:
                assert "hint=" not in cell.source, f"{path.name} {cell.id} has a hint in its source"


def test_tiers_are_capped_and_unknown_exercises_have_none():
    assert hint("ex5-attention-weights", 1) == (HINTS["ex5-attention-weights"][0], 3)
    assert hint("ex5-attention-weights", 9)[0] == HINTS["ex5-attention-weights"][-1]
    assert hint("no-such-exercise", 1) == (None, 0)


def test_recorded_catalogue_carries_the_first_tier_for_feedback_pages():
    for grade_id, entry in references.load(hidden=False).exercises.items():
        assert tuple(entry["hint"]) == HINTS[grade_id][0]


def failed_run(title: str) -> None:
    ex = exercise.Exercise(title)
    ex.check("attn_weights", torch.zeros(6, 6), points=1)
    ex.score()


def test_first_failed_run_shows_the_idea_and_later_runs_more(capsys, monkeypatch):
    monkeypatch.setattr(exercise, "FAILED_RUNS", {})
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    title = "Exercise 5: attention weights"
    first, second, third = HINTS["ex5-attention-weights"]
    failed_run(title)
    out = capsys.readouterr().out
    assert "❌ attn_weights" in out and f"hint 1/3: {first[0]}" in out and first[1] in out and second[0] not in out
    assert "more specific hint" in out
    failed_run(title)
    out = capsys.readouterr().out
    assert f"hint 2/3: {second[0]}" in out and second[1] in out and first[0] not in out and third[0] not in out
    assert "more specific hint" in out
    failed_run(title)
    out = capsys.readouterr().out
    assert f"hint 3/3: {third[0]}" in out and second[0] not in out and "more specific hint" not in out
    failed_run(title)
    assert "hint 3/3" in capsys.readouterr().out


def test_a_passing_run_shows_no_hint(capsys, monkeypatch):
    monkeypatch.setattr(exercise, "FAILED_RUNS", {})
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    ex = exercise.Exercise("Exercise 5: attention weights")
    ex.check("attn_weights", references.references().expected("attn_weights"), points=1)
    ex.score()
    out = capsys.readouterr().out
    assert "✅ attn_weights" in out and "hint" not in out and exercise.FAILED_RUNS == {}


def raised(code) -> str:
    """The message of the error `code` raises, as a check reports it ("RuntimeError: ...")."""
    try:
        code()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("no error")


@pytest.mark.parametrize("code, notebook, words", [
    # a transposed tensor viewed without .contiguous()
    (lambda: torch.arange(24.0).view(1, 2, 3, 4).transpose(1, 2).view(1, 3, 8), "05_multi_head_attention", ".contiguous()"),
    # an 8x8 mask used on 5 tokens without cutting it to num_tokens
    (lambda: torch.zeros(2, 5, 5).masked_fill_(torch.ones(8, 8, dtype=torch.bool), -torch.inf), "04_causal_attention", "num_tokens"),
])
def test_errors_of_catalogued_mistakes_are_explained(code, notebook, words):
    from autograde.verdict.diagnose import explain_error

    error = raised(code)
    en, zh, mistake = explain_error(error, notebook)
    assert words in en and zh and mistake
    assert explain_error(error, "01_attention_without_weights") is None
    assert explain_error("ZeroDivisionError: division by zero", notebook) is None
