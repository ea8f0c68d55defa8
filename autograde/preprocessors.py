"""The steps `autograde grade` adds to nbgrader's autograde pipeline (composed in
grading.sanitize_preprocessors and grading._configure):
  RepairCells           among the sanitizing steps, before nbgrader's OverwriteCells
  PrecomputedExecute    nbgrader's Execute, filled in from the warm workers that ran the cells
  CompareWithReference  the verdict, computed here, outside the learner's code
  ... then nbgrader's own LimitOutput and SaveAutoGrades.
"""
from __future__ import annotations

from collections import defaultdict

import nbformat
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import NbGraderPreprocessor

from .compare import Verdict, compare
from .diagnose import explain_error
from .exercise import CHECK_MIME
from .references import MissingReference, References, references
from .statuses import say
from .values import decode

STATUS_KEY = "autograde"  # notebook metadata where the steps leave notes for the grade report
# how a worker says a notebook stopped (zygote.py) -> the status saying so
STOPPED = {"died": "kernel-died", "timeout": "cell-timeout", "time limit": "notebook-time-limit",
           "memory limit": "cell-memory", "output limit": "output-limit", "corrupt output": "output-tampered"}


def notes(nb: NotebookNode) -> list[dict]:
    """The notebook's notes so far, each a status from the catalogue as {"code", "en", "zh"}."""
    return nb.metadata.setdefault(STATUS_KEY, {}).setdefault("notes", [])


def note(nb: NotebookNode, code: str, **values) -> None:
    notes(nb).append(say(code, **values).as_dict())


class PrecomputedExecute(NbGraderPreprocessor):
    """nbgrader's Execute step, when the cells have already run in a warm worker (warm.py):
    their outputs go into the code cells, and what went wrong becomes a note."""

    # (student, notebook) -> a worker's reply; filled by grading.py before nbgrader runs
    results: dict[tuple[str, str], dict] = {}

    def preprocess(self, nb, resources):
        key = (resources["nbgrader"]["student"], resources["nbgrader"]["notebook"])
        reply = self.results.pop(key)
        code = [index for index, cell in enumerate(nb.cells) if cell.cell_type == "code"]
        for count, (index, outputs) in enumerate(zip(code, reply["outputs"]), start=1):
            nb.cells[index].outputs = [nbformat.from_dict(o) for o in outputs]
            nb.cells[index].execution_count = count
            for output in outputs:
                reason = _error_reason(output) if output.get("output_type") == "error" else None
                if reason:
                    note(nb, reason, cell=index + 1)
        stopped = reply.get("stopped")
        if stopped:
            where = code[stopped["cell"]] + 1 if stopped["cell"] < len(code) else len(nb.cells)
            note(nb, STOPPED.get(stopped["why"], "stopped"), cell=where)
        if reply.get("truncated"):
            note(nb, "output-truncated")
        if isinstance(reply.get("seconds"), (int, float)):  # for the class report's grading times
            nb.metadata.setdefault(STATUS_KEY, {})["seconds"] = round(float(reply["seconds"]), 3)
        return nb, resources


def _error_reason(output: NotebookNode) -> str | None:
    """The status code for an error a limit raised inside the kernel (None: the learner's own error)."""
    text = f"{output.get('ename')}: {output.get('evalue')}"
    if output.get("ename") == "CellTimeoutError":
        return "cell-timeout"
    if "MemoryError" in text or "can't allocate memory" in text or "not enough memory" in text:
        return "cell-memory"
    return None


class CompareWithReference(NbGraderPreprocessor):
    """Score each test cell from the values its checks handed out, compared here with the
    reference tensors. The cell's outputs are replaced by the verdicts and the points, which
    nbgrader's SaveAutoGrades then reads as partial credit."""

    def preprocess(self, nb, resources):
        self.refs: References = references()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                self._grade(cell, meta["grade_id"])
        return nb, resources

    def _grade(self, cell: NotebookNode, grade_id: str) -> None:
        handed = defaultdict(list)
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(CHECK_MIME) if output.get("output_type") == "display_data" else None
            if isinstance(payload, dict) and isinstance(payload.get("name"), str):
                handed[payload["name"]].append(payload)
        exercise = self.refs.exercises.get(grade_id)
        cell.outputs = []
        if exercise is None:  # not one of ours: leave it to nbgrader's default (no points)
            cell.outputs = [new_output("error", ename="UnknownExercise", evalue=grade_id, traceback=[])]
            return
        verdicts = [(check, self._verdict(check, handed.get(check["name"], []))) for check in exercise["checks"]]
        earned = sum((check["points"] for check, v in verdicts if v.passed), 0.0)
        # the verdicts, structured, for the feedback pages, `autograde check`, the class report and other readers
        checks = [{**check, "passed": v.passed, "en": v.en, "zh": v.zh, "mistake": v.mistake} for check, v in verdicts]
        cell.metadata["autograde"] = {"checks": checks}
        cell.outputs = [_feedback(exercise, checks, earned), new_output(
            "execute_result", data={"text/plain": repr(round(earned, 6))}, execution_count=cell.get("execution_count"))]

    def _verdict(self, check: dict, payloads: list[dict]) -> Verdict:
        name = check["name"]
        if not payloads:
            return Verdict(False, "not run: the code before it failed or the check never ran",
                           "没有运行：之前的代码出错，或检查没有执行", "not-run")
        if len(payloads) > 1:
            return Verdict(False, "handed in more than once: only one value per check counts",
                           "同一检查提交了多个值：每项检查只能有一个值", "handed-in-twice")
        payload = payloads[0]
        if "error" in payload:
            en, zh = f"your code failed: {str(payload['error'])[:300]}", f"你的代码出错：{str(payload['error'])[:300]}"
            known = explain_error(str(payload["error"]), self.refs.notebook_of_check(name))
            if known:  # a catalogued mistake that crashes: say which, and count it as that mistake
                return Verdict(False, f"{en}: {known.en}", f"{zh}：{known.zh}", known.mistake)
            return Verdict(False, en, zh, "code-failed")
        try:
            actual = decode(payload["value"])["value"]
        except Exception:
            return Verdict(False, "the value could not be read", "无法读取提交的值", "unreadable-value")
        try:
            expected = self.refs.expected(name)
        except MissingReference:
            return Verdict(False, "no reference for this check on this grader", "评分端缺少此项检查的参考值", "no-reference")
        return compare(actual, expected, self.refs.mistakes_for(name), reveal_position=not check["hidden"])


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


class RepairCells(NbGraderPreprocessor):
    """Before nbgrader's OverwriteCells: drop nbgrader metadata that is not ours or not valid,
    give back the metadata a student's editor stripped (matching cells by id, then by
    source), and put back the locked cells (set-up, given code, tests) a student deleted,
    where they were. The score is then what the student's answers earn."""

    def preprocess(self, nb, resources):
        import nbformat

        from . import course

        # the notes, verdicts and times under this key are the grader's: a hand-in cannot bring its own
        nb.metadata.pop(STATUS_KEY, None)
        for cell in nb.cells:
            cell.metadata.pop(STATUS_KEY, None)
        release = nbformat.read(course.RELEASE / f"{resources['nbgrader']['notebook']}.ipynb", as_version=4)
        ours = {c.metadata["nbgrader"]["grade_id"]: c for c in release.cells if "nbgrader" in c.metadata}
        self._drop_invalid(nb, ours)
        self._give_back_metadata(nb, release, ours)
        present = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
        order = [gid for gid in ours if gid in present]
        if [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata] != order:
            note(nb, "cells-reordered")
        if any(cell.cell_type != ours[gid].cell_type for gid, cell in present.items()):
            note(nb, "cell-type-restored")  # nbgrader's OverwriteCells puts the type back
        position, restored = 0, []
        for source in release.cells:
            meta = source.metadata.get("nbgrader", {})
            grade_id = meta.get("grade_id")
            if grade_id in present:
                position = nb.cells.index(present[grade_id]) + 1
            elif grade_id and meta.get("locked"):
                nb.cells.insert(position, _fresh_copy(source))
                position += 1
                restored.append(grade_id)
        if restored:
            note(nb, "cells-restored", cells=", ".join(restored))
        return nb, resources

    @staticmethod
    def _drop_invalid(nb, ours: dict) -> None:
        """Our cells get the release's metadata back whatever the student's file says; other
        metadata goes (nbgrader leaves `{}` on the copies of a duplicated cell)."""
        import copy

        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader")
            if meta is None:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if grade_id in ours:
                if _role(meta) != _role(ours[grade_id].metadata["nbgrader"]):
                    cell.metadata["nbgrader"] = copy.deepcopy(ours[grade_id].metadata["nbgrader"])
                    note(nb, "metadata-restored")
                continue
            del cell.metadata["nbgrader"]
            note(nb, "duplicates-ignored" if meta == {} else "metadata-removed")

    @staticmethod
    def _give_back_metadata(nb, release, ours: dict) -> None:
        import copy

        present = {c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata}
        by_id = {c.get("id"): c for c in release.cells if "nbgrader" in c.metadata}
        by_source = {c.source: c for c in release.cells if c.metadata.get("nbgrader", {}).get("locked")}
        given_back = 0
        for cell in nb.cells:
            if "nbgrader" in cell.metadata:
                continue
            match = by_id.get(cell.get("id")) or by_source.get(cell.source)
            if match is not None and match.metadata["nbgrader"]["grade_id"] not in present:
                cell.metadata["nbgrader"] = copy.deepcopy(match.metadata["nbgrader"])
                present.add(match.metadata["nbgrader"]["grade_id"])
                given_back += 1
        if given_back:
            note(nb, "metadata-restored")


def _role(meta: dict) -> tuple:
    """What a cell's nbgrader metadata says it is (checksums and versions aside)."""
    return tuple(meta.get(key) for key in ("grade_id", "grade", "solution", "locked", "task", "points"))


def _fresh_copy(cell: NotebookNode) -> NotebookNode:
    import copy
    import uuid

    fresh = copy.deepcopy(cell)
    fresh["id"] = uuid.uuid4().hex[:8]
    return fresh
