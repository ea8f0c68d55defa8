#!/usr/bin/env python3
"""Set up and run the course with nothing but Python 3.10+:

    python3 course.py lab     open the course in JupyterLab (students' tools only)
    python3 course.py lab --instructor   the same with nbgrader's instructor tools
    python3 course.py test    run every test (the same command CI runs)
    python3 course.py autograde ARGS...   the `autograde` command, e.g. `autograde grade`

The first run makes a virtual environment in .venv and installs the course into it;
later runs reuse it, and reinstall only when pyproject.toml changes.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# The CPU build of torch: an unpinned `torch` resolves to a multi-GB CUDA build.
TORCH = "torch==2.13.0"
FIRST_NOTEBOOK = "notebooks/ch03/01_attention_without_weights.ipynb"
# Jupyter configuration that hides nbgrader's instructor tools from a student's JupyterLab
STUDENT_LAB = ROOT / "student-lab"


def ensure_environment() -> None:
    wanted = hashlib.sha256((TORCH + (ROOT / "pyproject.toml").read_text()).encode()).hexdigest()
    stamp = VENV / ".installed"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    if not (BIN / "python").exists():
        print(f"creating {VENV.name} ...", flush=True)
        venv.create(VENV, with_pip=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    print(f"installing {TORCH} (CPU) and the course's dependencies ...", flush=True)
    subprocess.run([*pip, TORCH, "numpy"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[dev,postgres,dask,hub]"], check=True)  # every extra: tests use them all
    stamp.write_text(wanted)


def lab(args: list[str]) -> int:
    instructor = "--instructor" in args
    args = [a for a in args if a != "--instructor"]
    command = [str(BIN / "jupyter"), "lab", f"--ServerApp.root_dir={ROOT}", FIRST_NOTEBOOK, *args]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and CI machines often run as root
    env = dict(os.environ)
    if instructor:
        print("Instructor mode: nbgrader's Create Assignment and Formgrader are on.", flush=True)
    else:
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(filter(None, [str(STUDENT_LAB), env.get("JUPYTER_CONFIG_PATH")]))
    print(f"Opening {FIRST_NOTEBOOK}: start there, then follow the numbers.", flush=True)
    os.chdir(ROOT)
    os.execve(command[0], command, env)


def test(args: list[str]) -> int:
    command = [str(BIN / "python"), "-m", "pytest", "--nbval", "--nbval-current-env", *args]
    return subprocess.run(command, cwd=ROOT).returncode


def autograde(args: list[str]) -> int:
    return subprocess.run([str(BIN / "autograde"), *args]).returncode


def main() -> int:
    commands = {"lab": lab, "test": test, "autograde": autograde}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ensure_environment()
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
