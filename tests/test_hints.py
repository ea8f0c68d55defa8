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
    assert hint("ex5-attention-weights", 1) == (HINTS["ex5-attention-weights"][0], 2)
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
    first, second = HINTS["ex5-attention-weights"]
    failed_run(title)
    out = capsys.readouterr().out
    assert "❌ attn_weights" in out and f"hint 1/2: {first[0]}" in out and first[1] in out and second[0] not in out
    assert "more specific hint" in out
    failed_run(title)
    out = capsys.readouterr().out
    assert f"hint 2/2: {second[0]}" in out and first[0] not in out
    failed_run(title)
    assert "hint 2/2" in capsys.readouterr().out


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
