"""Test cells the course's references do not know: an nbgrader course's plain `assert` cells.

nbgrader decides what they earn, as in its own autograde: the cell's outputs are left as the
worker returned them, and nbgrader's SaveAutoGrades scores them with its `determine_grade`
(full points when the cell ran without an error or stderr output, a number it displayed as
partial credit, nothing for an error; answer cells graded by hand or "No response.").
PlainTests only adds, beside that, what the feedback pages and the class report read: one
verdict per cell (`autograde.checks` in its metadata, as CompareWithReference writes for the
course's own cells), computed with the same `determine_grade`. A cell with hidden tests says
only that it failed; a visible one names the error's type and message.

`catalogue()` is the course's references with each such cell added as an exercise of its own
(one check, named by its grade id), so grades.csv's columns, zero rows, the feedback pages and
the class report treat both kinds of test cell alike.
"""
from __future__ import annotations

import dataclasses
import json
from functools import lru_cache

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

from .. import course
from ..verdict.failures import HIDDEN_REGION, MESSAGE_CHARS, quotes_hidden
from ..verdict.references import References, references
from .recording import AUTOGRADE_KEY, RAN_KEY

MANUAL = "needs-manual-grade"  # the mistake id of an answer graded by hand: never counted as a mistake
# what a test cell that never ran shows, so that nbgrader's determine_grade gives it nothing
# (a cell without outputs would earn full points)
NOT_RUN = {"ename": "NotRun", "evalue": "the notebook stopped before this cell ran"}


class PlainTests(NbGraderPreprocessor):
    """After LimitOutput and before SaveAutoGrades: for each test cell the references do not
    know, a cell that never ran gets an error output (nothing earned), and the cell gets the
    verdict nbgrader's determine_grade gives its outputs, for the feedback page."""

    def preprocess(self, nb, resources):
        known = references().exercises
        ran = resources.get(AUTOGRADE_KEY, {}).get(RAN_KEY)
        # the hidden tests that ran before a cell passed through the notebook's process, which could
        # put them into a later cell's error message: no message that quotes them is shown
        tests = [cell.source for cell in nb.cells if cell.metadata.get("nbgrader", {}).get("grade")]
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or not meta.get("grade") or meta.get("grade_id") in known:
                continue
            never_ran = ran is not None and cell.get("id") not in ran
            if never_ran:
                cell.outputs = [new_output("error", traceback=[], **NOT_RUN)]
            cell.metadata["autograde"] = {"checks": [verdict(cell, self.log, never_ran, tests)]}
        return nb, resources


def verdict(cell: NotebookNode, log=None, never_ran: bool = False, tests: list[str] = ()) -> dict:
    """One plain test cell's verdict as a check: what nbgrader's determine_grade gives it, and
    why; `tests`, the sources of the notebook's test cells, whose hidden lines no message quotes."""
    score, points = utils.determine_grade(cell, log)
    hidden = bool(HIDDEN_REGION.search(cell.source))
    check = {"name": cell.metadata["nbgrader"]["grade_id"], "points": points, "hidden": hidden,
             "passed": score is not None and score >= points}
    if utils.is_solution(cell):  # an answer cell with points: nbgrader leaves it to the grader
        if score is None:  # `manual`: not a failure, a grade still to come (the page shows ✍️, not ❌)
            return {**check, "passed": False, "manual": True, "mistake": MANUAL,
                    "en": "your answer is graded by hand", "zh": "你的答案由老师人工评分"}
        return {**check, "passed": False, "mistake": "no-response",
                "en": "no response: the answer cell is as it was released", "zh": "没有作答：答案单元格与发布时相同"}
    if never_ran:
        return {**check, "mistake": "not-run", "en": "not run: the notebook stopped before this cell",
                "zh": "没有运行：笔记本在这个单元格之前就停止了"}
    error = next((o for o in cell.outputs if o.output_type == "error"), None)
    if error is not None:
        said = ": ".join(str(part) for part in (error.get("ename"), error.get("evalue")) if part)
        if hidden or quotes_hidden(said, [cell.source, *tests]):  # its message, even its type, could carry hidden tests
            return {**check, "mistake": "test-failed",
                    "en": "a test failed (this cell holds hidden tests, so nothing more is shown)" if hidden else
                          "a test failed (its message quotes hidden tests, so it is not shown)",
                    "zh": "有测试没有通过（这个单元格含有隐藏测试，因此不显示更多信息）" if hidden else
                          "有测试没有通过（错误信息引用了隐藏测试，因此不显示）"}
        said = said[:MESSAGE_CHARS]
        return {**check, "mistake": "test-failed", "en": f"a test failed: {said}", "zh": f"有测试没有通过：{said}"}
    if any(o.output_type == "stream" and o.get("name") == "stderr" for o in cell.outputs):
        return {**check, "mistake": "wrote-to-stderr",
                "en": "it wrote to stderr, which nbgrader counts as a failure (a warning?)",
                "zh": "它向 stderr 输出了内容，nbgrader 将此算作未通过（是警告吗？）"}
    if check["passed"]:
        return {**check, "mistake": None, "en": "passed: the tests ran without an error", "zh": "通过：测试运行没有出错"}
    return {**check, "mistake": "partial-credit", "en": f"partial credit: {score:g} of {points:g} points",
            "zh": f"部分得分：{points:g} 分中得 {score:g} 分"}


@lru_cache(maxsize=1)
def catalogue() -> References:
    """The references, with every test cell of a released notebook that they do not know added
    as an exercise of one check (its grade id), worth the cell's points."""
    refs = references()
    plain = {}
    for assignment in course.assignments():
        for name in course.notebook_names(assignment):
            for grade_id, exercise in _test_cells(assignment, name).items():
                if grade_id not in refs.exercises:
                    plain[grade_id] = exercise
    return dataclasses.replace(refs, exercises={**refs.exercises, **plain})


def manual_points(notebook: str) -> float:
    """Points of the notebook's graded cells that are not test cells (written answers, tasks):
    nbgrader counts them in its maximum, and they are graded by hand."""
    assignment = course.assignment_of(f"{notebook}.ipynb")
    if assignment is None:
        return 0.0
    return float(sum(float(meta.get("points") or 0) for cell, meta in _graded(assignment, f"{notebook}.ipynb")
                     if cell.get("cell_type") != "code" or not meta.get("grade")))


def _graded(assignment: str, name: str) -> list[tuple[dict, dict]]:
    """(cell, its nbgrader metadata) for each graded or task cell of the released notebook."""
    try:
        nb = json.loads((course.release(assignment) / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    cells = [(cell, cell.get("metadata", {}).get("nbgrader") or {}) for cell in nb.get("cells", [])]
    return [(cell, meta) for cell, meta in cells if meta.get("grade") or meta.get("task")]


def _test_cells(assignment: str, name: str) -> dict[str, dict]:
    """The released notebook's code cells with points, as exercises of one check each; hidden
    when the instructor's source of the cell holds hidden tests (the release has none left)."""
    stem = name.removesuffix(".ipynb")
    try:
        source = json.loads((course.solutions(assignment) / name).read_text(encoding="utf-8"))
        sources = {(c.get("metadata", {}).get("nbgrader") or {}).get("grade_id"): _text(c.get("source", ""))
                   for c in source.get("cells", [])}
    except (OSError, ValueError):
        sources = {}
    found = {}
    for cell, meta in _graded(assignment, name):
        if cell.get("cell_type") == "code" and meta.get("grade") and isinstance(meta.get("grade_id"), str):
            points = float(meta.get("points") or 0)
            hidden = bool(HIDDEN_REGION.search(sources.get(meta["grade_id"], "")))
            found[meta["grade_id"]] = {"notebook": stem, "title": meta["grade_id"], "hint": None, "points": points,
                                       "plain": True, "checks": [{"name": meta["grade_id"], "points": points,
                                                                  "hidden": hidden}]}
    return found


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else str(source)
