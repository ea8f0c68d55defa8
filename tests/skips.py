"""Why a test skips, said once: what is missing on this machine and how to get it."""
from __future__ import annotations

NO_VENV = (".venv/bin/jupyter is missing: this test runs the README's `python3 course.py lab`, which serves "
           "JupyterLab from the course's .venv; run the tests with `python3 course.py test`, which makes it")


def no_sandbox() -> str:
    """Why no bwrap works here (each candidate's refusal, AppArmor's restriction where it is the
    cause) and what to do: autograde grade runs no student code without a sandbox."""
    from autograde.workers.sandbox import unavailable

    return f"no sandbox works here, and autograde grade runs no student code without one: {unavailable()}"
