"""`autograde handout`: what a student is given, and nothing more.

A handout is a course folder (course.py reads it as one) without solutions/ and hidden
references: the release notebooks, the visible references, nbgrader_config.py, the Jupyter
settings that hide nbgrader's instructor tools, the part of the package that the notebooks and
`autograde check`/`submit` import, a course.py with `lab`, `check` and `submit`, a README in
English and Chinese, and a pyproject.toml so that `pip install` puts it into a shared image (the
course folder then goes to PREFIX/share/course.INSTALLED_NAME). The package files are copied as
they are, so the handout never runs other code than the course's; the one exception is the
catalogue of known mistakes, whose edits of solution code are blanked (see `without_edits`).
"""
from __future__ import annotations

import ast
import json
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from string import Template

from .. import course
from ..errors import UsageError

PACKAGE = Path(__file__).resolve().parent.parent
FILES = Path(__file__).resolve().parent / "handout_files"  # the student's course.py, README.md and pyproject.toml
# What the notebooks (kernel/, verdict/, pages.py, templates/) and `check`/`submit` (student.py,
# which grades as grading does: intake/, grading/, workers/, and reports/ for what check prints)
# import; whole folders, so that a module added to one travels with it.
PACKAGE_PARTS = ["__init__.py", "atomic.py", "cli.py", "course.py", "errors.py", "pages.py", "student.py",
                 "templates", "kernel", "verdict", "workers", "intake", "grading", "reports"]
# reports only the instructor's commands write: the class report, its plots, the similarity of
# hand-ins, the LMS grade files, their export from the gradebook, its late policy and the feedback routes
INSTRUCTOR_ONLY = {"reports/class_report.py", "reports/report_plots.py", "reports/similarity.py", "reports/lms_export.py",
                   "reports/export.py", "reports/late.py", "reports/returns.py", "templates/class_report.html.j2"}
MISTAKES = "verdict/mistakes.py"
COURSE_FILES = ["nbgrader_config.py", "student-lab"]


@dataclass
class Handout:
    folder: Path
    zip: Path
    files: int


def write_handout(folder: Path, assignment: str | None = None, force: bool = False) -> Handout:
    """Write the handout of `assignment` (None: every assignment) into `folder`, and the same
    files into FOLDER.zip beside it (one top folder, so that `pip install FOLDER.zip` works).
    `folder` must be new or empty unless `force`, which replaces it and the zip."""
    folder = folder.resolve()
    archive = folder.with_name(folder.name + ".zip")
    folders = course.layout()
    protected = [course.ROOT / name for name in ("autograde", folders.source, folders.release, "reference", "student-lab")]
    if folder == course.ROOT or folder in course.ROOT.parents or any(p == folder or p in folder.parents for p in protected):
        raise UsageError(f"{folder} is the course itself or part of it: write the handout to a folder of its own")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        if not force:
            raise UsageError(f"{folder} is not empty: choose a new folder, or pass --force to replace it")
        shutil.rmtree(folder) if folder.is_dir() else folder.unlink()
    if archive.exists() and not force:
        raise UsageError(f"{archive} exists: choose another folder, or pass --force to replace it")
    assignments = [assignment] if assignment else course.assignments()
    folder.mkdir(parents=True, exist_ok=True)
    _copy_package(folder / "autograde")
    for name in COURSE_FILES:
        _copy(course.ROOT / name, folder / name)
    data: dict[str, list[str]] = {}
    for a in assignments:
        _copy(course.release(a), folder / "notebooks" / a)
        _copy(course.references(a) / "visible", folder / "reference" / a / "visible")
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.parts[len(folder.parts)] != "autograde"):
        rel = path.relative_to(folder)
        data.setdefault(str(Path("share", course.INSTALLED_NAME, rel.parent)), []).append(str(rel))
    first = f"notebooks/{assignments[0]}/{course.notebook_names(assignments[0])[0]}"
    values = {"torch": _torch(), "first_notebook": first, "assignment": assignments[0], "installed": course.INSTALLED_NAME,
              "data_files": "\n".join(f"{json.dumps(target)} = {json.dumps(sorted(files))}" for target, files in sorted(data.items()))}
    for name in ("course.py", "README.md", "pyproject.toml"):
        (folder / name).write_text(Template((FILES / name).read_text(encoding="utf-8")).substitute(values), encoding="utf-8")
    for path in [folder, *folder.rglob("*")]:  # readable by everyone, whatever the instructor's umask or a file's mode
        path.chmod(0o755 if path.is_dir() or path.name == "course.py" else 0o644)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in files:
            out.write(path, Path(folder.name, path.relative_to(folder)).as_posix())
    return Handout(folder, archive, len(files))


def _copy_package(target: Path) -> None:
    for part in PACKAGE_PARTS:
        _copy(PACKAGE / part, target / part)
    for rel in INSTRUCTOR_ONLY:
        (target / rel).unlink(missing_ok=True)
    mistakes = target / MISTAKES
    mistakes.write_text(without_edits(mistakes.read_text(encoding="utf-8")), encoding="utf-8")


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints"))
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def without_edits(source: str) -> str:
    """verdict/mistakes.py with the code of every mistake (`old`, the solution's text, and
    `new`, the wrong text) replaced by "": a learner's checks need a mistake's id, notebook,
    messages and error pattern, never the solution's lines. The module stays the same
    otherwise (its Mistake class, its scores)."""
    tree = ast.parse(source)
    constants = {t.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for t in node.targets if isinstance(t, ast.Name)}
    edits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Mistake":
            args = node.args[2:4] + [k.value for k in node.keywords if k.arg in ("old", "new")]
            for arg in args:
                edits.append(constants.get(arg.id, arg) if isinstance(arg, ast.Name) else arg)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    raw = source.encode("utf-8")
    for node in sorted({id(n): n for n in edits}.values(), key=lambda n: (n.lineno, n.col_offset), reverse=True):
        start = offsets[node.lineno - 1] + node.col_offset  # ast's columns count UTF-8 bytes
        end = offsets[node.end_lineno - 1] + node.end_col_offset
        raw = raw[:start] + b'""' + raw[end:]
    return raw.decode("utf-8")


def _torch() -> str:
    """The torch requirement the course's own course.py installs (one place says which)."""
    found = re.search(r'^TORCH = "([^"]+)"', (course.ROOT / "course.py").read_text(encoding="utf-8"), re.M)
    if not found:
        raise UsageError(f"{course.ROOT / 'course.py'} does not say which torch to install (TORCH = \"...\")")
    return found.group(1)
