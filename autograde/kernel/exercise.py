"""What a test cell calls: `Exercise(...)`, then `ex.check(name, value, points)`, then `ex.score()`.

The same test cell runs in three places, and the mode decides what a check does:
- in JupyterLab (and under stock `nbgrader autograde`): compare with the reference
  tensors and show a verdict with a hint, in English and Chinese;
- under `autograde grade` (AUTOGRADE_MODE=emit): compare nothing, hand the value out as
  safetensors bytes in an output; the grader compares it outside this kernel;
- while the references are being recorded from the solutions: keep the value.
"""
from __future__ import annotations

import os
import traceback
from collections.abc import Callable
from typing import Any

from ..pages import render
from ..verdict.values import NotATensor, as_tensor, encode

CHECK_MIME = "application/vnd.attention-course.check+json"

# Set by record.py while the solutions are run to make the references.
RECORDER: Any = None
# What this kernel's check cells scored so far, by exercise title (for progress()).
SCORES: dict[str, "Score"] = {}
# How many runs of each exercise's check cell failed so far, by title: the hint tier to show.
FAILED_RUNS: dict[str, int] = {}
# What an exercise asks of a learner. "build" writes code the text before it describes; the
# others need reasoning: say a value before running anything ("predict"), work a result out on
# paper ("derive"), find what is wrong in given code ("debug"), or choose weights or sizes so a
# stated behaviour follows ("design"). The course gives reasoning at least half its points.
SKILLS = ("build", "predict", "derive", "debug", "design")


def _display(plain: str, rich: str | None = None, extra: dict | None = None) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # plain Python: just print
        print(plain)
        return
    if get_ipython() is None:
        print(plain)
        return
    bundle = {"text/plain": plain}
    if rich is not None:
        bundle["text/html"] = rich
    bundle.update(extra or {})
    display(bundle, raw=True)


class Score(float):
    """Points earned by a test cell. Its text is the bare number, which is how
    nbgrader reads partial credit from a test cell's result."""

    def __new__(cls, earned: float, possible: float, title: str):
        obj = super().__new__(cls, earned)
        obj.possible, obj.title = possible, title
        return obj

    def __repr__(self) -> str:
        return repr(float(self))

    def _repr_html_(self) -> str:
        return render("score.html.j2", mark="✅" if float(self) == self.possible else "❌", title=self.title,
                      earned=float(self), possible=self.possible)


class Exercise:
    """The checks of one exercise; create one at the top of its test cell."""

    def __init__(self, title: str, skill: str = "build"):
        """`title` names the exercise. Its hints live in the package (hints.py), not in the
        notebook: a failed run shows the first tier, later failed runs the next ones. `skill`
        is one of SKILLS: what the exercise asks of a learner."""
        if skill not in SKILLS:
            raise ValueError(f"skill must be one of {SKILLS}, not {skill!r}")
        self.title, self.skill = title, skill
        self.earned = 0.0
        self.possible = 0.0
        self.failed = False
        self.taken = False  # a check ran the course's own answer to this exercise: it scores 0

    def check(self, name: str, value: Any, points: float) -> bool:
        """Check one value against the reference called `name`, worth `points`.

        `value` may be a zero-argument function: it is then called here, so that an
        error in it costs this check only, not the whole exercise.
        """
        self.possible += points
        mode = _mode()
        if mode == "record":
            RECORDER.record(self, name, value, points)
            self.earned += points
            return True
        from .provenance import course_code

        with course_code() as ran:  # the course's own answers must not compute the value
            try:
                actual = value() if callable(value) else value
            except Exception as exc:  # the learner's code failed: that is this check's verdict
                return self._failed_to_run(name, exc, mode, ran)
        if mode == "emit":
            return self._emit(name, actual, ran)
        from ..verdict.compare import compare
        from ..verdict.references import references

        refs = references()
        if self._taken_from_course(name, ran):
            return False
        verdict = compare(actual, refs.expected(name), refs.mistakes_for(name), reveal_position=not refs.is_hidden(name))
        if verdict.passed:
            self.earned += points
        else:
            self.failed = True
        _show(name, verdict.passed, verdict.en, verdict.zh)
        return verdict.passed

    def score(self) -> Score:
        """The points this cell earned, shown as a one-line summary, after a hint if a check failed."""
        if self.failed and _mode() == "feedback":
            FAILED_RUNS[self.title] = FAILED_RUNS.get(self.title, 0) + 1
            _show_hint(self.title, FAILED_RUNS[self.title])
        earned = 0.0 if self.taken else self.earned
        SCORES[self.title] = Score(round(earned, 6), round(self.possible, 6), self.title)
        return SCORES[self.title]

    def _emit(self, name: str, actual: Any, ran: set[str]) -> bool:
        try:
            payload = {"name": name, "value": encode({"value": as_tensor(actual)})}
        except NotATensor as exc:
            payload = {"name": name, "error": str(exc)}
        if ran:  # the grader decides whether it answers this exercise (grading/course_answers.py)
            payload["course"] = sorted(ran)
        _display(f"[{name}: handed to the grader]", extra={CHECK_MIME: payload})
        return True

    def _taken_from_course(self, name: str, ran: set[str]) -> bool:
        """Whether the course's own answer to this exercise ran for check `name`: if so, says
        so, and the exercise scores 0."""
        from ..verdict.references import references
        from .provenance import answered_by_course

        module = answered_by_course(references().grade_id_of(self.title), ran)
        if module is None:
            return False
        self.taken = self.failed = True
        _show(name, False, f"this runs the course's own {module} code (autograde.kernel.book), not yours: "
                           "the exercise scores 0 until you write it yourself",
              f"这里运行的是课程自带的 {module} 代码（autograde.kernel.book），不是你的：在你自己写出之前，本练习得 0 分")
        return True

    def _failed_to_run(self, name: str, exc: Exception, mode: str, ran: set[str]) -> bool:
        error = f"{type(exc).__name__}: {exc}"
        if mode == "emit":  # the grader words the verdict (for a hidden check, without the message)
            payload = {"name": name, "error": error, **({"course": sorted(ran)} if ran else {})}
            _display(f"[{name}: your code raised {type(exc).__name__}]", extra={CHECK_MIME: payload})
            return False
        from ..verdict.diagnose import explain_error
        from ..verdict.failures import code_failed
        from ..verdict.references import references

        if self._taken_from_course(name, ran):
            return False
        refs = references()
        if refs.is_hidden(name):  # under stock nbgrader, this output is what its feedback shows a student
            verdict = code_failed(error, refs.notebook_of_check(name), hidden=True)
            self.failed = True
            _show(name, False, verdict.en, verdict.zh)
            return False
        where = traceback.extract_tb(exc.__traceback__)[-1]
        en = f"your code raised {type(exc).__name__}: {exc} (line {where.lineno})"
        zh = f"你的代码抛出了 {type(exc).__name__}：{exc}（第 {where.lineno} 行）"
        known = explain_error(error, refs.notebook_of_check(name))
        if known:
            en, zh = f"{en}: {known.en}", f"{zh}：{known.zh}"
        self.failed = True
        _show(name, False, en, zh)
        return False


def _mode() -> str:
    if RECORDER is not None:
        return "record"
    return "emit" if os.environ.get("AUTOGRADE_MODE") == "emit" else "feedback"


def _show(name: str, passed: bool, en: str, zh: str) -> None:
    mark = "✅" if passed else "❌"
    plain = f"{mark} {name}: {en} / {zh}"
    _display(plain, render("check.html.j2", mark=mark, name=name, en=en, zh=zh))


def _show_hint(title: str, tier: int) -> None:
    """The hint of tier `tier` for the exercise called `title`, looked up in hints.py."""
    from ..verdict.hints import hint
    from ..verdict.references import references

    found, tiers = hint(references().grade_id_of(title) or "", tier)
    if found is None:
        return
    shown = min(tier, tiers)
    more = (" Run the check again after another try for a more specific hint."
            if shown < tiers else "")
    more_zh = "再试一次后重新运行检查，会给出更具体的提示。" if shown < tiers else ""
    en = found[0] if found[0].endswith(("?", ".")) else found[0] + "."
    zh = found[1] if found[1].endswith(("？", "。")) else found[1] + "。"
    plain = f"💡 hint {shown}/{tiers}: {en}{more}\n   提示 {shown}/{tiers}：{zh}{more_zh}"
    _display(plain, render("hint.html.j2", shown=shown, tiers=tiers, en=en, zh=zh, more=more, more_zh=more_zh))


def progress(notebook: str) -> None:
    """Show the learner's progress over the exercises of `notebook` (its file name without .ipynb)."""
    if _mode() != "feedback":
        return
    from ..verdict.references import references

    exercises = list(references().exercises_of(notebook).values())
    rows, plain, done = [], [], 0
    for exercise in exercises:
        score = SCORES.get(exercise["title"])
        if score is None:
            mark, text = "⬜", "not checked yet · 尚未检查"
        elif float(score) == score.possible:
            mark, text, done = "✅", f"{float(score):g} / {score.possible:g}", done + 1
        else:
            mark, text = "❌", f"{float(score):g} / {score.possible:g}"
        rows.append((mark, exercise["title"], text))
        plain.append(f"{mark} {exercise['title']}: {text}")
    head = f"Progress: {done} of {len(exercises)} exercises pass their checks · 进度：{len(exercises)} 个练习中已通过 {done} 个"
    _display(head + "\n" + "\n".join(plain), render("progress.html.j2", head=head, rows=rows))
