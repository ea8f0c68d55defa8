"""The course's versions of the classes the book builds, for the notebooks that come after the
one where a learner writes them.

Notebook 4 needs `SelfAttention_v2` (written in notebook 3) and notebook 5 needs
`CausalAttention` (written in notebook 4). Each notebook imports them from here, so no
notebook ships the answer to an earlier exercise and each one runs on its own. The code is
the book's, with its variable names; the layers are created in the book's order, so the
book's seeds give the book's numbers.

One module per class, each naming the exercise it answers (`ANSWERS`, a grade id): while the
notebook of that exercise is graded, its module is withheld (the sandbox puts `_withheld.py`
in its place, and its compiled copies are emptied), so no route through this package, an
import, importlib, gc or the file itself, reaches the answer. In a learner's JupyterLab the
package is whole, and a check that runs a withheld class's code says so (kernel/exercise.py).
"""
from __future__ import annotations

import ast
import functools
import importlib
from pathlib import Path

FOLDER = Path(__file__).resolve().parent
WITHHELD_STUB = FOLDER / "_withheld.py"
# in every message about a withheld module, so the grader can name what the learner reached for
WITHHELD = "withheld while this notebook is graded"


@functools.lru_cache(maxsize=1)
def answer_modules() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each module of the book: its name -> (the grade id it answers, the classes it defines),
    read from the source without importing it (the grading process needs no torch for this).
    A withheld module reads as ("", ()): its file is the stub. (tests/test_course_answers.py
    checks that every module of the book names its exercise.)"""
    found = {}
    for path in sorted(FOLDER.glob("*.py")):
        if path.name.startswith("_"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        answers = next((node.value.value for node in tree.body if isinstance(node, ast.Assign)
                        and any(getattr(t, "id", None) == "ANSWERS" for t in node.targets)
                        and isinstance(node.value, ast.Constant)), "")
        classes = tuple(node.name for node in tree.body if isinstance(node, (ast.ClassDef, ast.FunctionDef)))
        found[path.stem] = (str(answers), classes)
    return found


def module_of(name: str) -> str | None:
    """The book module that defines `name`, if any."""
    return next((module for module, (_, names) in answer_modules().items() if name in names), None)


def __getattr__(name: str):
    # `from autograde.kernel.book import CausalAttention` loads only that class's module
    module = module_of(name)
    if module is None:
        withheld = any(not answers for answers, _ in answer_modules().values())
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}"
                             + (f" (the course's answers are {WITHHELD})" if withheld else ""))
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(name for _, names in answer_modules().values() for name in names)
