"""`autograde handout`: what a student is given and nothing more, and it works on its own.

The handout is written once, scanned (folder and zip) for anything of the solutions, the hidden
tests and the hidden references, then unpacked from its zip into an empty folder and installed
into a virtual environment of its own, where JupyterLab, `autograde check` and `autograde submit`
must work with the handout's copy of the package, never this repository's.
"""
import hashlib
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
import venv
import zipfile
from pathlib import Path

import nbformat
import pytest
from safetensors import safe_open

import example_class as ex
from autograde import cli, course
from autograde.authoring.handout import INSTRUCTOR_ONLY, write_handout
from autograde.grading.grader import Settings, grade
from autograde.verdict.hints import HINTS
from autograde.verdict.mistakes import MISTAKES
from conftest import SLOW

ASSIGNMENT = "ch03"
NB1 = "01_attention_without_weights.ipynb"
SITE = Path(sysconfig.get_paths()["purelib"])  # this environment's packages: torch, jupyterlab, nbgrader


@pytest.fixture(scope="module")
def handout(tmp_path_factory):
    return write_handout(tmp_path_factory.mktemp("handout") / "attention")


def handout_texts(handout) -> dict[str, str]:
    """Every file of the handout folder and of its zip, by name, as text (binary files too, by their bytes)."""
    texts = {str(p.relative_to(handout.folder)): p.read_bytes().decode("utf-8", "replace")
             for p in handout.folder.rglob("*") if p.is_file()}
    with zipfile.ZipFile(handout.zip) as archive:
        texts.update({f"zip:{name}": archive.read(name).decode("utf-8", "replace") for name in archive.namelist()})
    return texts


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_handout_holds_the_release_the_visible_references_and_the_student_package(handout):
    folder = handout.folder
    for name in course.notebook_names(ASSIGNMENT):
        assert (folder / "notebooks" / ASSIGNMENT / name).read_bytes() == (course.release(ASSIGNMENT) / name).read_bytes()
    assert sorted(p.name for p in (folder / "reference" / ASSIGNMENT / "visible").iterdir()) == \
        sorted(p.name for p in (course.references(ASSIGNMENT) / "visible").iterdir())
    for name in ("course.py", "README.md", "pyproject.toml", "nbgrader_config.py", "student-lab/labconfig/page_config.json",
                 "autograde/cli.py", "autograde/student.py", "autograde/kernel/exercise.py", "autograde/grading/grader.py"):
        assert (folder / name).is_file(), name
    assert all(p.stat().st_mode & 0o444 == 0o444 for p in folder.rglob("*"))  # a shared image's users read it all
    assert not (folder / "solutions").exists() and not list(folder.glob("reference/*/hidden"))
    assert not (folder / "autograde" / "authoring").exists()
    assert not [rel for rel in INSTRUCTOR_ONLY if (folder / "autograde" / rel).exists()]
    usage = subprocess.run([sys.executable, "course.py"], cwd=folder, capture_output=True, text=True)  # sets nothing up
    assert usage.returncode == 2 and all(f"course.py {c}" in usage.stderr for c in ("lab", "check", "submit"))
    assert not (folder / ".venv").exists()
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "python3 course.py check" in readme and "hidden checks" in readme and "隐藏检查" in readme
    with zipfile.ZipFile(handout.zip) as archive:  # the same files, under one top folder
        assert sorted(archive.namelist()) == sorted(f"{folder.name}/{p.relative_to(folder).as_posix()}"
                                                    for p in folder.rglob("*") if p.is_file())


def test_no_solution_marker_or_hidden_test_marker_in_the_handout_or_its_zip(handout):
    found = [(name, line.strip()) for name, text in handout_texts(handout).items() for line in text.splitlines()
             if re.search(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS", line)]
    # the one pattern the grader recognises nbgrader's markers with, which holds no test
    pattern = 'HIDDEN_REGION = re.compile(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", re.S)'
    assert {line for _, line in found} <= {pattern}, found
    assert found, "the scan reads the package's files"


def secret_lines() -> set[str]:
    """The solutions' lines a student must not find: each line of a solution region (a whole
    solution cell when it has none) and of a hidden-test region, whitespace removed, that the
    release does not show. Hidden-test lines count when they hold a number or a string (the
    hidden inputs and check names): `try:` or `with seeded(seed):` tell nothing."""
    release = squash("\n".join(cell.source for n in course.notebook_names(ASSIGNMENT)
                                for cell in nbformat.read(course.release(ASSIGNMENT) / n, as_version=4).cells))
    found = set()
    for path in sorted(course.solutions(ASSIGNMENT).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            solutions = re.findall(r"### BEGIN SOLUTION(.*?)### END SOLUTION", cell.source, re.S)
            if meta.get("solution") and not solutions and cell.cell_type == "code":
                solutions = [cell.source]
            hidden = re.findall(r"### BEGIN HIDDEN TESTS(.*?)### END HIDDEN TESTS", cell.source, re.S)
            lines = [(line, False) for region in solutions for line in region.splitlines()] + \
                    [(line, True) for region in hidden for line in region.splitlines()]
            for line, in_hidden in lines:
                key = squash(line)
                if len(key) < 12 or key.startswith("#") or key in release:
                    continue
                if in_hidden and not re.search(r"\d|[\"']", line):
                    continue
                found.add(key)
    return found


def shown_anyway() -> str:
    """What the course shows a student by design besides the release: the book's classes, which
    the notebooks import from the package (an answer taken from them earns nothing: issue 21
    item 1), the hints and the messages of known mistakes."""
    found = (Path(course.__file__).parent / "kernel").glob("book*")  # book.py, or the package book/
    book = sorted(f for p in found for f in ([p] if p.is_file() else p.rglob("*.py")))
    texts = [p.read_text(encoding="utf-8") for p in book]
    texts += [text for tiers in HINTS.values() for tier in tiers for text in tier]
    texts += [text for m in MISTAKES.values() for text in (m.en, m.zh)]
    return squash("\n".join(texts))


def test_no_line_of_a_solution_or_a_hidden_test_in_the_handout_or_its_zip(handout):
    secrets = secret_lines()
    assert len(secrets) > 100  # the scan has something to find: the solutions' code
    shown = shown_anyway()
    leaks = {name: sorted(key for key in secrets if key in squash(text) and key not in shown)
             for name, text in handout_texts(handout).items()}
    assert not {name: keys for name, keys in leaks.items() if keys}


def test_the_scan_finds_what_the_catalogue_of_mistakes_would_have_leaked(handout, monkeypatch):
    # the course's own catalogue holds the solutions' lines (each mistake is an edit of one):
    # the handout blanks them, and the scan above would see them otherwise
    source = (Path(course.__file__).parent / "verdict" / "mistakes.py").read_text(encoding="utf-8")
    assert any(key in squash(source) for key in secret_lines())
    spec = importlib.util.spec_from_file_location("handout_mistakes", handout.folder / "autograde" / "verdict" / "mistakes.py")
    theirs = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, theirs)  # dataclasses look their module up
    spec.loader.exec_module(theirs)
    assert {m.id: (m.notebook, m.en, m.zh, m.scores, m.error) for m in theirs.MISTAKES.values()} == \
        {m.id: (m.notebook, m.en, m.zh, m.scores, m.error) for m in MISTAKES.values()}
    assert all(m.old == m.new == "" for m in theirs.MISTAKES.values())


def test_no_hidden_tensor_in_the_handout_or_its_zip(handout):
    hidden_files = {p.read_bytes() for p in course.REFERENCE_DIR.glob("*/hidden/*") if p.is_file()}
    assert hidden_files
    with zipfile.ZipFile(handout.zip) as archive:
        contents = [archive.read(n) for n in archive.namelist()]
    assert not [c for c in contents if c in hidden_files]
    hidden_names, visible_names = set(), set()
    tensors = sorted(handout.folder.rglob("*.safetensors"))
    assert len(tensors) == len(course.notebook_names(ASSIGNMENT))
    for path in tensors:
        with safe_open(path, "pt") as f:
            keys = {key.split("~")[0] for key in f.keys()}
            for exercise in json.loads(f.metadata()["exercises"]).values():
                for check in exercise["checks"]:
                    (hidden_names if check["hidden"] else visible_names).add(check["name"])
        assert not keys & hidden_names, path.name
    assert hidden_names and visible_names <= {k for p in tensors for k in safe_open(p, "pt").keys()}


GENERATE = """
import sys, tempfile
from pathlib import Path
import nbformat
from autograde import course
from autograde.grading.nbgrader_api import course_folder
with tempfile.TemporaryDirectory() as scratch:
    root = Path(scratch)
    course_folder(root, f"sqlite:///{root / 'gradebook.db'}", sys.argv[1])
    print(course.is_handout(), [[c.source for c in nbformat.read(p, as_version=4).cells]
                                for p in sorted((root / "notebooks" / sys.argv[1]).glob("*.ipynb"))] ==
          [[c.source for c in nbformat.read(p, as_version=4).cells] for p in sorted(course.release(sys.argv[1]).glob("*.ipynb"))])
"""


def test_in_a_handout_nbgrader_generates_the_assignment_from_the_release_unchanged(handout):
    # what check grades against: the release's cells, scaffolding of the answer cells included
    # (nbgrader's ClearSolutions, which finds no solution markers there, is off)
    env = {**os.environ, "AUTOGRADE_COURSE": str(handout.folder)}
    said = subprocess.run([sys.executable, "-c", GENERATE, ASSIGNMENT], env=env, capture_output=True, text=True, check=True)
    assert said.stdout.split() == ["True", "True"], said.stderr


def test_a_folder_that_is_not_empty_is_refused_and_left_as_it_was(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["handout", str(folder)])
    assert exit_.value.code == 2
    assert "is not empty" in capsys.readouterr().err
    assert [p.name for p in folder.iterdir()] == ["notes.txt"] and not (tmp_path / "mine.zip").exists()
    with pytest.raises(SystemExit) as exit_:
        cli.main(["handout", str(tmp_path / "other"), "--assignment", "ch99"])
    assert exit_.value.code == 2
    assert "unknown assignment 'ch99'" in capsys.readouterr().err and not (tmp_path / "other").exists()
    with pytest.raises(SystemExit):  # --force never replaces the course itself
        cli.main(["handout", str(course.ROOT / "notebooks"), "--force"])
    assert "part of it" in capsys.readouterr().err and course.release(ASSIGNMENT).is_dir()


# ---- the handout on its own: unpacked from the zip into an empty folder, in an environment of its own


def link(sources: list[Path], folder: Path) -> None:
    """Hard links of `sources` in `folder`, or copies where the two are on different file systems."""
    if subprocess.run(["cp", "-al", *map(str, sources), str(folder)], capture_output=True).returncode:
        subprocess.run(["cp", "-a", *map(str, sources), str(folder)], check=True)


def environment(env: Path) -> Path:
    """A new virtual environment at `env` holding this one's packages (hard links: torch in a
    second) but not this repository's editable install; returns its python."""
    venv.create(env, symlinks=True)
    site = Path(subprocess.run([env / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    ours = [p for p in SITE.iterdir() if not p.name.startswith(("__editable__", "attention_course"))]
    link(ours, site)
    share = Path(sys.prefix) / "share" / "jupyter"  # JupyterLab's assets and nbgrader's lab extension
    if share.is_dir():
        (env / "share").mkdir(exist_ok=True)
        link([share], env / "share")
    # the packages' commands (`jupyter`, `jupyter-lab`...) as pip writes them, for the new python
    here = f"#!{Path(sys.executable).parent / 'python'}\n"
    for script in Path(sys.executable).parent.iterdir():
        text = script.read_text(errors="replace") if script.is_file() else ""
        if text.startswith(here) and script.name != "autograde" and not (env / "bin" / script.name).exists():
            (env / "bin" / script.name).write_text(f"#!{env / 'bin' / 'python'}\n" + text[len(here):])
            (env / "bin" / script.name).chmod(0o755)
    return env / "bin" / "python"


def run(python: Path, *args, cwd: Path, check=True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADE_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env.update(PYTHONNOUSERSITE="1", PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}")
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def unpacked(handout, tmp_path_factory):
    """The handout's zip unpacked into an empty folder and installed in place as its course.py
    does (its .venv, the handout installed editable), but from this environment's packages
    rather than the network: the stamp course.py writes once it has installed them says so."""
    home = tmp_path_factory.mktemp("student")
    with zipfile.ZipFile(handout.zip) as archive:
        archive.extractall(home)
    folder = home / handout.folder.name
    python = environment(folder / ".venv")
    run(python, python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-e", folder, cwd=home)
    torch = re.search(r'^TORCH = "([^"]+)"', (folder / "course.py").read_text(), re.M).group(1)
    (folder / ".venv" / ".installed").write_text(
        hashlib.sha256((torch + (folder / "pyproject.toml").read_text()).encode()).hexdigest())
    return python, folder


def course_py(folder: Path, *args, check=True) -> subprocess.CompletedProcess:
    """The handout's own `python3 course.py ARGS`, as a student runs it (with the Python that runs these tests)."""
    return run(Path(sys.executable), sys.executable, folder / "course.py", *args, cwd=folder, check=check)


def honest(name: str) -> str:
    """The release of `name` with every answer cell holding the solution's code (no hidden test in it)."""
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in ex.solved(name).cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    return ex.answered(name, answers)


def test_the_installed_handout_imports_its_own_package(unpacked):
    python, folder = unpacked
    said = run(python, python, "-c", "import autograde, autograde.course as c; print(autograde.__file__); "
               "print(c.ROOT, c.is_handout(), c.assignments())", cwd=folder.parent).stdout.splitlines()
    assert Path(said[0]).is_relative_to(folder) and said[1] == f"{folder} True ['{ASSIGNMENT}']"


def test_jupyterlab_serves_the_notebooks_without_the_instructor_tools(unpacked, tmp_path):
    python, folder = unpacked
    log = tmp_path / "jupyterlab.log"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOGRADE_", "PYTHON", "JUPYTER", "VIRTUAL_ENV"))}
    env.update(PYTHONNOUSERSITE="1")
    # the handout's `python3 course.py lab`: it adds student-lab/ to Jupyter's configuration itself
    lab = subprocess.Popen([sys.executable, "course.py", "lab", "--no-browser", f"--port={port}",
                            "--ServerApp.port_retries=0",  # never another port than the one asked for
                            "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=handout"],
                           env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.monotonic() + 120 * SLOW
        while "is running at" not in log.read_text():  # the server says it is up: then it answers
            assert lab.poll() is None, f"JupyterLab ended before it served anything:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"JupyterLab did not start in {120 * SLOW:g} s:\n{log.read_text()}"
            time.sleep(0.2)

        def get(path: str) -> tuple[int, str]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": "token handout"})
            try:
                with urllib.request.urlopen(request, timeout=60 * SLOW) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as exc:
                return exc.code, ""

        status, body = get(f"/api/contents/notebooks/{ASSIGNMENT}/{NB1}")
        assert status == 200 and json.loads(body)["type"] == "notebook", log.read_text()
        status, page = get("/lab")
        disabled = re.search(r'"disabledExtensions": \[([^\]]*)\]', page)  # student-lab/labconfig, in the page's config
        assert status == 200 and disabled and '"@jupyter/nbgrader:create-assignment"' in disabled.group(1)
        assert get("/formgrader")[0] == 404, log.read_text()  # nbgrader's instructor server extension is off
    finally:
        lab.terminate()
        lab.wait(timeout=60 * SLOW)


def test_the_student_command_offers_check_submit_and_notebooks_only(unpacked):
    python, folder = unpacked
    autograde = python.parent / "autograde"
    for command in ("grade", "handout", "references"):
        refused = run(python, autograde, command, "x", "--out", "y", cwd=folder, check=False)
        assert refused.returncode == 2 and "student handout" in refused.stderr, refused.stderr
    usage = run(python, autograde, "--help", cwd=folder).stdout
    assert re.search(r"\{([^}]*)\}", usage).group(1).split(",") == ["check", "submit", "notebooks"]


@pytest.mark.grading
def test_check_and_submit_work_in_the_handout_and_the_course_grades_the_zip(unpacked, tmp_path):
    python, folder = unpacked
    (folder / "notebooks" / ASSIGNMENT / NB1).write_text(honest(NB1), encoding="utf-8")
    checked = json.loads(course_py(folder, "check", "--json").stdout)  # every notebook of notebooks/
    assert [r["notebook"] for r in checked] == [n[:-6] for n in course.notebook_names(ASSIGNMENT)]
    assert checked[0]["status"] == "ok" and checked[0]["problems"] == []
    assert checked[0]["exercises"] and all(e["earned"] == e["possible"] > 0 and not e["failed"] for e in checked[0]["exercises"])
    assert all(e["hidden_points"] > 0 for e in checked[0]["exercises"])  # said, though they run only at grading
    assert all(e["earned"] == 0 for r in checked[1:] for e in r["exercises"])  # the blank release earns nothing
    course_py(folder, "submit", "--student", "ada", "--out", tmp_path / "ada.zip")
    (tmp_path / "class").mkdir()
    (tmp_path / "ada.zip").rename(tmp_path / "class" / "ada.zip")
    rows = {r.notebook: r for r in grade(tmp_path / "class", tmp_path / "out", ASSIGNMENT, settings=Settings(workers=1))}
    assert rows[NB1[:-6]].status == "ok" and rows[NB1[:-6]].score == rows[NB1[:-6]].max_score > 0  # hidden checks too
    assert len(rows) == len(course.notebook_names(ASSIGNMENT))  # the blank ones were handed in too


@pytest.mark.grading
def test_installed_with_pip_from_the_zip_the_course_lives_in_the_environment(handout, tmp_path):
    python = environment(tmp_path / "env")  # not tmp_path itself: pytest makes it 0700, which a notebook (another uid) cannot enter
    run(python, python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index", handout.zip, cwd=tmp_path)
    work = tmp_path / "home"
    work.mkdir()
    said = run(python, python, "-c", "import autograde, autograde.course as c; print(autograde.__file__); print(c.ROOT); "
               "print(c.INSTALLED)", cwd=work).stdout.splitlines()
    prefix = python.parent.parent
    assert Path(said[0]).is_relative_to(prefix) and said[1:] == [str(prefix / "share" / course.INSTALLED_NAME), "True"]
    autograde = python.parent / "autograde"
    copied = run(python, autograde, "notebooks", cwd=work)
    assert sorted(p.name for p in (work / ASSIGNMENT).iterdir()) == course.notebook_names(ASSIGNMENT), copied.stdout
    (work / ASSIGNMENT / NB1).write_text(honest(NB1), encoding="utf-8")
    kept = run(python, autograde, "notebooks", cwd=work)  # a second copy never overwrites the learner's work
    assert "kept" in kept.stdout and (work / ASSIGNMENT / NB1).read_text(encoding="utf-8") == honest(NB1)
    refused = run(python, autograde, "submit", "--student", "ada", cwd=work, check=False)
    assert refused.returncode == 2 and "name the notebooks" in refused.stderr  # never the untouched installed copy
    checked = json.loads(run(python, autograde, "check", work / ASSIGNMENT / NB1, "--json", cwd=work).stdout)
    exercises = checked[0]["exercises"]
    assert checked[0]["status"] == "ok" and all(e["earned"] == e["possible"] > 0 for e in exercises), [e["failed"] for e in exercises]
    run(python, autograde, "submit", *sorted((work / ASSIGNMENT).glob("*.ipynb")), "--student", "ada", cwd=work)
    with zipfile.ZipFile(work / "ada.zip") as archive:
        assert archive.read(f"{ASSIGNMENT}/{NB1}").decode() == honest(NB1)
