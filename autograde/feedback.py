"""The feedback page a student gets: per exercise, what passed, what failed and the likely
mistake, in English and Chinese. Built from the verdicts CompareWithReference left in the
autograded notebook's test cells, so it can hold nothing else: no hidden test code, no
reference values, no output of the student's own cells."""
from __future__ import annotations

import html
from pathlib import Path

import nbformat

STYLE = """body{font-family:system-ui,sans-serif;max-width:56rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.4rem}section{border:1px solid #ddd;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
li{margin:.3rem 0}code{background:#f4f4f4;padding:0 .2rem}.note{color:#a15c00}"""


def page(nb: nbformat.NotebookNode, student: str, notebook: str, score: float, max_score: float, status: str) -> str:
    sections = []
    for cell in nb.cells:
        if cell.cell_type != "code" or not cell.metadata.get("nbgrader", {}).get("grade"):
            continue
        verdicts = [o.data["text/html"] for o in cell.get("outputs", [])
                    if o.get("output_type") == "display_data" and "text/html" in o.get("data", {})]
        if verdicts:
            sections.append(f"<section>{''.join(verdicts)}</section>")
    note = "" if status == "ok" else f"<p class='note'>⚠️ {html.escape(status)}</p>"
    return (f"<!doctype html><html lang='en'><meta charset='utf-8'><title>{html.escape(notebook)} · {html.escape(student)}</title>"
            f"<style>{STYLE}</style><h1>{html.escape(notebook)}: {score:g} / {max_score:g}</h1>"
            f"<p>{html.escape(student)} · 反馈 · feedback</p>{note}{''.join(sections)}</html>")


def write(nb: nbformat.NotebookNode, target: Path, student: str, notebook: str, score: float, max_score: float,
          status: str) -> Path:
    """The page for an autograded notebook, as it is in memory after grading."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page(nb, student, notebook, score, max_score, status), encoding="utf-8")
    return target
