"""The feedback page a student gets: per exercise, what passed, what failed and the likely
mistake, in English, Chinese or both (`autograde grade --lang`). Built from the verdicts
CompareWithReference left in the autograded notebook's test cells (cell metadata
`autograde.checks`), so it can hold nothing else: no hidden test code, no reference values,
no output of the student's own cells."""
from __future__ import annotations

import html
from pathlib import Path

import nbformat

from ..verdict.languages import pick

STYLE = """body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.4rem}section{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
li{margin:.3rem 0}code{background:#f4f4f4;padding:0 .2rem}.note{color:#a15c00}"""
HTML_LANG = {"en": "en", "zh": "zh-CN", "both": "en"}  # a bilingual page marks its Chinese lines itself
LABELS = {"points": ("points", "分"), "hidden": ("hidden input", "隐藏输入"), "feedback": ("feedback", "反馈")}


def said(lang: str, en: str, zh: str) -> str:
    """One bilingual text as HTML in the language(s) asked for; Chinese lines carry lang="zh-CN"."""
    if lang == "both":
        return f"{html.escape(en)}<br><span lang='zh-CN'>{html.escape(zh)}</span>"
    return html.escape(zh if lang == "zh" else en)


def label(key: str, lang: str) -> str:
    return " · ".join(pick(lang, *LABELS[key]))


def exercise_html(exercise: dict, checks: list[dict], lang: str = "both") -> str:
    """One exercise's verdicts: the points earned, a line per check (its `en` and `zh` as
    asked), and the exercise's hint when a check failed."""
    earned = sum(c["points"] for c in checks if c["passed"])
    rich = [f"<p><b>{html.escape(exercise['title'])}: {earned:g} / {exercise['points']:g} {label('points', lang)}</b></p><ul>"]
    for check in checks:
        mark = "✅" if check["passed"] else "❌"
        name = html.escape(check["name"]) + (f" ({label('hidden', lang)})" if check["hidden"] else "")
        rich.append(f"<li>{mark} <code>{name}</code> [{check['points']:g}]: {said(lang, check['en'], check['zh'])}</li>")
    if any(not c["passed"] for c in checks) and exercise.get("hint"):
        rich.append(f"<li>💡 {said(lang, *exercise['hint'])}</li>")
    rich.append("</ul>")
    return "".join(rich)


def page(nb: nbformat.NotebookNode, student: str, notebook: str, score: float, max_score: float, status: str,
         lang: str = "both", status_zh: str = "") -> str:
    """The page for one graded notebook; `status` in English, `status_zh` in Chinese (English if empty)."""
    from ..verdict.references import references

    exercises = references().exercises
    sections = []
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        checks = cell.metadata.get("autograde", {}).get("checks")
        if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade") and checks and grade_id in exercises:
            sections.append(f"<section>{exercise_html(exercises[grade_id], checks, lang)}</section>")
    note = "" if status == "ok" else f"<p class='note'>⚠️ {said(lang, status, status_zh or status)}</p>"
    return (f"<!doctype html><html lang='{HTML_LANG[lang]}'><meta charset='utf-8'>"
            f"<title>{html.escape(notebook)} · {html.escape(student)}</title>"
            f"<style>{STYLE}</style><h1>{html.escape(notebook)}: {score:g} / {max_score:g}</h1>"
            f"<p>{html.escape(student)} · {label('feedback', lang)}</p>{note}{''.join(sections)}</html>")


def write(nb: nbformat.NotebookNode, target: Path, student: str, notebook: str, score: float, max_score: float,
          status: str, lang: str = "both", status_zh: str = "") -> Path:
    """The page for an autograded notebook, as it is in memory after grading."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page(nb, student, notebook, score, max_score, status, lang, status_zh), encoding="utf-8")
    return target
