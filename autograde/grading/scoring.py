"""CompareWithReference, the autograde step that scores test cells: the values a notebook's
checks handed out are compared here, in the grading process, with the reference tensors.
(Its own module: it needs torch, and the sanitizing steps in preprocessors.py do not.)"""
from __future__ import annotations

from collections import defaultdict

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from ..verdict.compare import Verdict, compare
from ..verdict.failures import code_failed
from ..kernel.exercise import CHECK_MIME
from ..verdict.references import MissingReference, References, references
from ..verdict.statuses import Message
from ..verdict.values import decode
from .course_answers import RESOURCE, course_code_ran
from ..intake.structure import released
from .preprocessors import note
from .recording import AUTOGRADE_KEY


class CompareWithReference(NbGraderPreprocessor):
    """Score each test cell from the values its checks handed out, compared here with the
    reference tensors. The cell's outputs are replaced by the verdicts and the points, which
    nbgrader's SaveAutoGrades then reads as partial credit."""

    stage = "compare"  # for Stages: the rest of the autograde steps count as recording

    def preprocess(self, nb, resources):
        self.refs: References = references()
        refused = resources.get(AUTOGRADE_KEY, {}).get(RESOURCE, {})  # RefuseCourseAnswers' findings
        sending = []  # cells that are not test cells but handed check results: never counted
        for index, cell in enumerate(nb.cells):
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                self._grade(nb, cell, meta["grade_id"], refused.get(meta["grade_id"]))
            elif cell.cell_type == "code" and any(_payload(o) is not None for o in cell.get("outputs", [])):
                sending.append(index)
        tests = _test_sources(nb, resources) if sending else set()  # read only when some cell sent results
        forged = [i + 1 for i in sending if nb.cells[i].source.strip() not in tests]
        if forged:  # not a copy of a test cell either: named
            note(nb, "check-outside-test", cells=", ".join(map(str, forged[:10])))
        return nb, resources

    def _grade(self, nb: NotebookNode, cell: NotebookNode, grade_id: str, taken: Message | None) -> None:
        handed = defaultdict(list)
        for output in cell.get("outputs", []):
            if (payload := _payload(output)) is not None:
                handed[payload["name"]].append(payload)
        exercise = self.refs.exercises.get(grade_id)
        if exercise is None:  # a plain nbgrader test cell: its outputs stay, for nbgrader to score (plain_tests.py)
            return
        cell.outputs = []
        taken = taken or course_code_ran(grade_id, [p for payloads in handed.values() for p in payloads])
        if taken:  # the course's own answer: every check of the exercise fails, whatever its value
            note(nb, "course-answer", exercise=exercise["title"], what=taken)
            refusal = Verdict(False, f"the exercise's answer {taken.en}: it earns nothing",
                              f"本练习的答案{taken.zh}：不得分", "course-answer")
            verdicts = [(check, refusal) for check in exercise["checks"]]
        else:
            verdicts = [(check, self._verdict(check, handed.get(check["name"], []), cell.source))
                        for check in exercise["checks"]]
        earned = sum((check["points"] for check, v in verdicts if v.passed), 0.0)
        # the verdicts, structured, for the feedback pages, `autograde check`, the class report and other readers
        checks = [{**check, "passed": v.passed, "en": v.en, "zh": v.zh, "mistake": v.mistake} for check, v in verdicts]
        cell.metadata["autograde"] = {"checks": checks}
        cell.outputs = [_feedback(exercise, checks, earned), new_output(
            "execute_result", data={"text/plain": repr(round(earned, 6))}, execution_count=cell.get("execution_count"))]

    def _verdict(self, check: dict, payloads: list[dict], source: str) -> Verdict:
        name = check["name"]
        if not payloads:
            return Verdict(False, "not run: the code before it failed or the check never ran",
                           "没有运行：之前的代码出错，或检查没有执行", "not-run")
        if len(payloads) > 1:
            return Verdict(False, "handed in more than once: only one value per check counts",
                           "同一检查提交了多个值：每项检查只能有一个值", "handed-in-twice")
        payload = payloads[0]
        if "error" in payload:  # for a hidden check, its type only: the message may carry the hidden test
            return code_failed(str(payload["error"]), self.refs.notebook_of_check(name), check["hidden"], source)
        try:
            actual = decode(payload["value"])["value"]
        except Exception:
            return Verdict(False, "the value could not be read", "无法读取提交的值", "unreadable-value")
        try:
            expected = self.refs.expected(name)
        except MissingReference:
            return Verdict(False, "no reference for this check on this grader", "评分端缺少此项检查的参考值", "no-reference")
        return compare(actual, expected, self.refs.mistakes_for(name), reveal_position=not check["hidden"])


def _test_sources(nb: NotebookNode, resources: dict) -> set[str]:
    """The sources of the test cells, as graded (hidden tests restored) and as students have
    them (the release's): what a copy of a test cell holds."""
    cells = list(nb.cells)
    where = resources.get("nbgrader", {})
    if "assignment" in where and "notebook" in where:
        cells += released(where["assignment"], where["notebook"]).cells
    return {cell.source.strip() for cell in cells if cell.metadata.get("nbgrader", {}).get("grade")}


def _payload(output: dict) -> dict | None:
    """The check result an output hands the grader, if it is one."""
    payload = output.get("data", {}).get(CHECK_MIME) if output.get("output_type") == "display_data" else None
    return payload if isinstance(payload, dict) and isinstance(payload.get("name"), str) else None


def _feedback(exercise: dict, checks: list[dict], earned: float) -> NotebookNode:
    """The verdicts as the test cell's output, in both languages (what nbgrader's formgrader shows)."""
    from .feedback import exercise_html

    plain = [f"{exercise['title']}: {earned:g} / {exercise['points']:g}"]
    for check in checks:
        label = check["name"] + (" (hidden input · 隐藏输入)" if check["hidden"] else "")
        plain.append(f"{'✅' if check['passed'] else '❌'} {label} [{check['points']:g}]: {check['en']} / {check['zh']}")
    if any(not c["passed"] for c in checks) and exercise.get("hint"):
        en, zh = exercise["hint"]
        plain.append(f"hint: {en} / 提示：{zh}")
    return new_output("display_data", data={"text/plain": "\n".join(plain), "text/html": exercise_html(exercise, checks)})
