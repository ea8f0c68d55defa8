"""A grading worker loads what the assignment's notebooks import, read from their import
statements (grading/warm_imports.py), and nothing the assignment ships beside them."""
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograde import course
from autograde.grading.warm_imports import imported_modules


def test_the_modules_the_notebooks_import_and_not_their_own_files(tmp_path):
    cells = [new_markdown_cell("import markdown_is_not_code"),
             new_code_cell("%matplotlib inline\nimport numpy as np, json\nfrom torch.nn import functional as F"),
             new_code_cell("!pip list\ndef f():\n    import email.message\nfrom . import relative"),
             new_code_cell("import helper\nfrom helpers.util import answer\nimport problem2"),
             new_code_cell("this is not ( python")]
    nbformat.write(new_notebook(cells=cells), tmp_path / "problem1.ipynb")
    nbformat.write(new_notebook(cells=[new_code_cell("import pandas")]), tmp_path / "problem2.ipynb")
    (tmp_path / "helper.py").write_text("")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("")
    (tmp_path / "notes.txt").write_text("import not_a_notebook")
    assert imported_modules(tmp_path) == ("email.message", "json", "numpy", "pandas", "problem2", "torch.nn")


def test_this_course_warms_torch_and_its_helpers():
    modules = imported_modules(course.source("ch03"))
    assert "torch" in modules and "autograde" in modules


def test_an_assignment_without_notebooks_warms_nothing(tmp_path):
    assert imported_modules(tmp_path / "missing") == ()
