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
