"""Grading starts its workers first: they need seconds to import torch, and nothing the
command loads before spawning them (torch, nbformat, nbgrader) may hold them up."""
import subprocess
import sys

HEAVY = ("torch", "nbformat", "nbgrader")


def loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint('loaded:', *(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].split()[1:]


def test_the_grade_command_reaches_its_workers_without_heavy_imports():
    assert loaded_after("from autograde import cli\n"
                        "from autograde.grading import grader, recording\n"
                        "from autograde.intake import roster\n"
                        "from autograde.reports import grades\n"
                        "from autograde.workers import cluster, warm") == []


def test_help_answers_without_heavy_imports():
    assert loaded_after("from autograde import cli\ntry:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass") == []


def test_notebooks_still_get_the_helpers_they_import():
    assert loaded_after("from autograde import Exercise, progress, seeded") == ["torch"]


def test_grading_a_course_without_references_never_loads_torch(tmp_path):
    """nbgrader's documentation course: plain test cells, no tensors to compare, so neither the
    grading process nor (warm_imports: its notebooks import nothing) its workers load torch."""
    import json
    import os

    from plain_course import _course, _hand_in, _run, documentation_course

    scenario = documentation_course()
    _course(tmp_path, scenario)
    env = {"AUTOGRADE_COURSE": str(tmp_path), "AUTOGRADE_LANG": "en"}
    _run([sys.executable, "-m", "autograde.cli", "release", "--assignment", "ps1"], tmp_path, env)
    _hand_in(tmp_path, tmp_path / "class", scenario)
    probe = ("import json, sys\nfrom autograde import cli\n"
             f"status = cli.main(['grade', {str(tmp_path / 'class')!r}, '--out', {str(tmp_path / 'out')!r}, "
             "'--workers', '1', '--json'])\n"
             "print(json.dumps({'status': status, 'torch': 'torch' in sys.modules}))")
    out = _run([sys.executable, "-c", probe], tmp_path, env).stdout
    said = json.loads(out.strip().splitlines()[-1])
    assert said == {"status": 0, "torch": False}
    rows = json.loads(out[:out.rindex("\n{")])["rows"] if "\n{" in out else []
    assert rows and all(row["status"] == "ok" for row in rows) and os.path.exists(tmp_path / "out" / "report.html")
