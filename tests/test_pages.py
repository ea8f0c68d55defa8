"""The HTML the course writes comes from templates with autoescaping: a student id, a file
name, a status or the message of an exception a student's code raised never becomes markup,
on the feedback page, in the grader's view of a test cell, or under a cell in JupyterLab."""
import ast
import html
import re
from pathlib import Path

import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

import autograde
from autograde.grading import feedback
from autograde.grading.scoring import CompareWithReference
from autograde.kernel import exercise
from autograde.kernel.exercise import CHECK_MIME
from autograde.verdict.references import references

EVIL = "<script>alert(1)</script> \"'&"


def assert_escaped(page: str, times: int = 1) -> None:
    """EVIL is on `page` at least `times` times, each time as text, not markup."""
    assert "<script" not in page and "\"'&" not in page, page
    assert html.unescape(page).count(EVIL) >= times, page


def graded_notebook() -> tuple[str, dict]:
    """A notebook whose first exercise's checks all failed with EVIL in the error, graded
    the way `autograde grade` grades it: the payloads the kernel handed out, then
    CompareWithReference."""
    grade_id, ex = next(iter(references().exercises.items()))
    handed = [new_output("display_data", data={CHECK_MIME: {"name": check["name"], "error": f"ValueError: {EVIL}"}})
              for check in ex["checks"]]
    cell = new_code_cell("", metadata={"nbgrader": {"grade": True, "grade_id": grade_id, "points": ex["points"]}},
                         outputs=handed)
    nb, _ = CompareWithReference().preprocess(new_notebook(cells=[cell]), {})
    return nb, ex


def shown_errors(ex: dict) -> int:
    """The checks whose error message is shown: the visible ones (a hidden check names the type only)."""
    return sum(not check["hidden"] for check in ex["checks"])


def test_the_grader_s_view_of_a_test_cell_escapes_the_error_text():
    nb, ex = graded_notebook()
    shown = nb.cells[0].outputs[0]["data"]["text/html"]
    assert_escaped(shown, times=2 * shown_errors(ex))  # each visible check's line, in English and in Chinese
    assert EVIL in nb.cells[0].outputs[0]["data"]["text/plain"]  # plain text stays as it was


@pytest.mark.parametrize("lang", ["en", "zh", "both"])
def test_the_feedback_page_escapes_ids_names_statuses_and_errors(lang):
    nb, ex = graded_notebook()
    page = feedback.page(nb, f"student {EVIL}", f"notebook {EVIL}", 0, 2, f"status {EVIL}", lang, f"状态 {EVIL}")
    # the title and heading name the notebook, the title and a line the student, the note the status,
    # and every visible check's verdict the error
    assert_escaped(page, times=2 + 2 + 1 + shown_errors(ex))
    assert page.startswith("<!doctype html>") and f"<html lang='{feedback.HTML_LANG[lang]}'>" in page


def test_what_a_learner_sees_in_jupyterlab_escapes_their_error_text(monkeypatch):
    shown = []
    monkeypatch.setattr(exercise, "_display", lambda plain, rich=None, extra=None: shown.append((plain, rich)))
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    check_name = next(iter(references().exercises.values()))["checks"][0]["name"]

    def fails():
        raise ValueError(EVIL)

    ex = exercise.Exercise("Exercise 1: dot-product scores")
    assert ex.check(check_name, fails, points=1) is False
    plain, rich = shown[-1]
    assert EVIL in plain
    assert_escaped(rich, times=2)  # the English and the Chinese verdict
    assert_escaped(exercise.Score(1.0, 2.0, EVIL)._repr_html_())
    exercise._show(EVIL, False, EVIL, EVIL)
    assert_escaped(shown[-1][1], times=3)


def test_progress_escapes_exercise_titles(monkeypatch):
    shown = []
    monkeypatch.setattr(exercise, "_display", lambda plain, rich=None, extra=None: shown.append((plain, rich)))
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    refs = references()
    monkeypatch.setattr(refs, "exercises_of", lambda notebook: {"x": {"title": EVIL}})
    monkeypatch.setattr(exercise, "SCORES", {EVIL: exercise.Score(1.0, 2.0, EVIL)})
    exercise.progress("01_attention_without_weights")
    assert_escaped(shown[-1][1])
    assert "<td>1 / 2</td>" in shown[-1][1]


# an HTML tag written in Python: <p>, <div style=...>, </li> ... (an SVG's "<svg" is looked for, not written)
TAG = re.compile(r"</?(html|head|body|title|style|meta|h[1-6]|p|div|span|b|i|code|pre|br|ul|ol|li|table|tr|td|th|"
                 r"section|a|img|nav|figure|details|summary)\b[^<>]*>", re.I)


def test_no_html_is_built_in_python():
    """Markup lives in the templates, where autoescaping covers it: no string in the package's
    code holds a tag, and nothing escapes by hand."""
    package = Path(autograde.__file__).parent
    found = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and TAG.search(node.value):
                found.append(f"{path.name}:{node.lineno}: {node.value[:60]!r}")
            if isinstance(node, ast.Attribute) and node.attr == "escape" and getattr(node.value, "id", "") == "html":
                found.append(f"{path.name}:{node.lineno}: html.escape")
            imported = ([a.name for a in node.names] if isinstance(node, ast.Import)
                        else [node.module] if isinstance(node, ast.ImportFrom) and not node.level else [])
            if {"html", "markupsafe"} & set(imported):
                found.append(f"{path.name}:{node.lineno}: imports {imported}")
    assert not found, found
    assert (package / "templates" / "feedback.html.j2").exists()
