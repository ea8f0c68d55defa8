"""Answers taken from the course's own package earn nothing.

The course ships its versions of the book's classes (kernel/book/) for the notebooks after the
one that asks for them. Three things keep them from answering that notebook's exercises:
- withheld_files: while a notebook is graded, the book modules that answer one of its
  exercises are not in its sandbox at all (the worker covers them with a stub, see
  workers/confine.py), so no route (import, importlib, a split name, gc, the file) reaches them;
- course_reference: the answer cells of each exercise are read here, outside the sandbox: one
  that imports from the course's package what the release does not already give the notebook,
  or names the package at all, is refused (RefuseCourseAnswers);
- what a check reports: a check that ran a book module's code (kernel/exercise.py records it)
  or that failed on a withheld module is refused the same way (scoring.py).
A refused exercise scores 0, with the reason on its checks and in the notebook's status.
"""
from __future__ import annotations

import ast
import re
from functools import lru_cache

from nbgrader.preprocessors import NbGraderPreprocessor

from ..kernel.book import WITHHELD, answer_modules
from ..verdict.statuses import Message, say
from .recording import AUTOGRADE_KEY
from ..intake.structure import released

PACKAGE = "autograde"
RESOURCE = "course_answers"  # resources[AUTOGRADE_KEY][RESOURCE]: grade id -> what its answer cells took


def withheld_files(assignment: str, notebook: str) -> list[str]:
    """The book modules (package-relative paths) that answer an exercise of `notebook`."""
    grade_ids = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in released(assignment, notebook).cells}
    return [f"kernel/book/{module}.py" for module, (answers, _) in answer_modules().items() if answers in grade_ids]


@lru_cache(maxsize=None)
def given_names(assignment: str, notebook: str) -> frozenset[str]:
    """What the release's own read-only cells import from the course's package (`module.name`):
    an answer cell may import it again."""
    given = set()
    for cell in released(assignment, notebook).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and not meta.get("solution"):
            given.update(_imports(_parsed(cell.source)))
    return frozenset(given)


def _parsed(source: str) -> ast.AST | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _imports(tree: ast.AST | None) -> set[str]:
    """`module.name` for every name imported from the course's package in `tree`."""
    found = set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == PACKAGE and not node.level:
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE)
    return found


def course_reference(source: str, given: frozenset[str], taken: frozenset[str] = frozenset()) -> Message | None:
    """What a cell's `source` takes from the course's package (a phrase of the status catalogue),
    or None: an import the release does not give, the package named, or a name in `taken` (one
    an earlier cell of the student's bound to something from the package). Read as text where it
    does not parse."""
    tree = _parsed(source)
    if tree is None:
        return say("course-names-package") if re.search(PACKAGE, source, re.IGNORECASE) else None
    imported = sorted(_imports(tree) - given)
    if imported:
        return say("course-imports", names=", ".join(imported))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Name) and node.id == PACKAGE or isinstance(node, ast.Attribute) and node.attr == PACKAGE
                or isinstance(node, ast.Constant) and isinstance(node.value, str) and PACKAGE in node.value.lower()):
            return say("course-names-package")
    used = sorted(tainted_uses(tree, taken))
    return say("course-uses", names=", ".join(used)) if used else None


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def tainted_uses(tree: ast.Module, tainted: frozenset[str]) -> set[str]:
    """The names of `tainted` that `tree` reads as the notebook's own globals: not a function's
    parameter or local, not a comprehension's variable, and not after the cell itself bound it
    again at the top (statement by statement), so that a loop's `i` is never another cell's `i`."""
    uses: set[str] = set()

    def visit(node: ast.AST, local: frozenset[str]) -> None:
        if isinstance(node, _SCOPES):
            args = node.args
            names = {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg] if a}
            body = node.body if isinstance(node.body, list) else [node.body]
            names |= {n.id for b in body for n in ast.walk(b) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
            for outside in [*getattr(node, "decorator_list", []), *args.defaults, *filter(None, args.kw_defaults)]:
                visit(outside, local)
            for statement in body:
                visit(statement, local | names)
            return
        if isinstance(node, _COMPREHENSIONS):
            local = local | {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in live and node.id not in local:
            uses.add(node.id)
        for child in ast.iter_child_nodes(node):
            visit(child, local)

    live = set(tainted)
    for statement in tree.body:
        visit(statement, frozenset())
        live -= bound_names(statement)  # bound again by the cell itself: its own from here on
    return uses


def bound_names(source: str | ast.AST) -> set[str]:
    """Every name `source` (code, or its syntax tree) binds: assigned, defined, imported (as the
    name it is bound to)."""
    tree, found = _parsed(source) if isinstance(source, str) else source, set()
    for node in ast.walk(tree) if tree else ():
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            found.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            found.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return found


def course_code_ran(grade_id: str, payloads: list[dict]) -> Message | None:
    """What the checks of `grade_id` report of the course's answers: a book module answering it
    whose code ran during a check, or a check that failed on a withheld module; None if neither."""
    for payload in payloads:
        for module in payload.get("course") or ():
            if isinstance(module, str) and answer_modules().get(module, ("",))[0] == grade_id:
                return say("course-ran", module=module)
        if WITHHELD in str(payload.get("error", "")):
            return say("course-withheld")
    return None


def withheld_error(cell) -> Message | None:
    """Whether an answer cell stopped on a withheld module of the book (it reached for one by a
    route the source does not show, such as a name built from pieces)."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error" and WITHHELD in str(output.get("evalue", "")):
            return say("course-withheld")
    return None


class RefuseCourseAnswers(NbGraderPreprocessor):
    """Read the cells the student wrote, as written and as they ran, for what they take from the
    course's package; CompareWithReference scores 0 the exercises whose answer cells (their
    solution cells since the previous test cell) took something.

    A cell the student added, or an answer cell, that takes something taints every name it binds,
    and a later cell that uses a tainted name takes something too: an import in a cell of its own
    at the top, or a helper defined there, counts against the answers that use it."""

    def preprocess(self, nb, resources):
        given = given_names(resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"])
        found, taken, tainted = {}, None, frozenset()
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code":
                continue
            if meta.get("grade") and not meta.get("solution"):  # a test cell: the exercise's answer cells end here
                if taken:
                    found[meta["grade_id"]] = taken
                taken = None
            elif meta.get("solution") or not meta.get("locked"):  # written by the student
                what = course_reference(cell.source, given, tainted) or withheld_error(cell)
                if what:
                    tainted |= bound_names(cell.source)
                    if meta.get("solution"):
                        taken = taken or what
                else:  # what the student's own code binds is theirs again
                    tainted -= bound_names(cell.source)
        resources.setdefault(AUTOGRADE_KEY, {})[RESOURCE] = found
        return nb, resources
