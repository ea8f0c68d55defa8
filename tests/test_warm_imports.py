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


def test_a_worker_never_warms_a_module_of_the_course_package_it_is_not_told_to_keep():
    """The book's classes are withheld while the notebook that asks for them is graded (a
    stub over their file): one loaded in the warm process would reach every notebook forked
    from it. Whatever the notebooks import from `autograde`, a worker warms only the helpers
    every check needs (they load the package's __init__, which defines no class); the other
    modules named are warmed."""
    import json
    import subprocess
    import sys

    probe = ("import json, sys\nfrom autograde.workers import zygote\n"
             "zygote._warm_up(('autograde.kernel.book.causal_attention', 'autograde.kernel.book', 'fractions'))\n"
             "print(json.dumps(sorted(m for m in sys.modules if m.startswith('autograde.kernel.book.') or m == 'fractions')))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == ["fractions"]
