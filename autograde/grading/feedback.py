"""The feedback page a student gets: per exercise, what passed, what failed and the likely
mistake, in English, Chinese or both (`autograde grade --lang`). Built from the verdicts
CompareWithReference (and, for plain nbgrader test cells, plain_tests.PlainTests) left in the
autograded notebook's test cells (cell metadata `autograde.checks`), so it can hold nothing else: no hidden test code, no reference values,
no output of the student's own cells."""
from __future__ import annotations

from pathlib import Path

import nbformat

from ..pages import render
from .. import atomic
from ..verdict.languages import pick

HTML_LANG = {"en": "en", "zh": "zh-CN", "both": "en"}  # a bilingual page marks its Chinese lines itself
LABELS = {"points": ("points", "分"), "hidden": ("hidden input", "隐藏输入"), "feedback": ("feedback", "反馈")}


def labels(lang: str) -> dict[str, str]:
    """The pages' fixed words in the language(s) asked for, by key of LABELS."""
    return {key: " · ".join(pick(lang, *words)) for key, words in LABELS.items()}


def exercise_html(exercise: dict, checks: list[dict], lang: str = "both") -> str:
    """One exercise's verdicts: the points earned, a line per check (its `en` and `zh` as
    asked), and the exercise's hint when a check failed."""
    return render("exercise.html.j2", exercise=exercise, checks=checks, lang=lang, labels=labels(lang))


def page(nb: nbformat.NotebookNode, student: str, notebook: str, score: float, max_score: float, status: str,
         lang: str = "both", status_zh: str = "") -> str:
    """The page for one graded notebook; `status` in English, `status_zh` in Chinese (English if empty)."""
    from .plain_tests import catalogue

    exercises = catalogue().exercises
    sections = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        checks = cell.metadata.get("autograde", {}).get("checks")
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") and checks and grade_id in exercises:
            sections.append((exercises[grade_id], checks))
    return render("feedback.html.j2", html_lang=HTML_LANG[lang], notebook=notebook, student=student, score=score,
                  max_score=max_score, status=status, status_zh=status_zh, lang=lang, labels=labels(lang),
                  sections=sections)


def write(nb: nbformat.NotebookNode, target: Path, student: str, notebook: str, score: float, max_score: float,
          status: str, lang: str = "both", status_zh: str = "") -> Path:
    """The page for an autograded notebook, as it is in memory after grading."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic.write_text(target, page(nb, student, notebook, score, max_score, status, lang, status_zh))
