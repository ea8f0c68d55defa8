"""Where the course lives: the assignment, its source and its release."""
from __future__ import annotations

from pathlib import Path

ASSIGNMENT = "ch03"
ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions" / ASSIGNMENT
RELEASE = ROOT / "notebooks" / ASSIGNMENT
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"  # see references.py


def notebook_names() -> list[str]:
    """The assignment's notebook file names, in course order."""
    return sorted(p.name for p in SOLUTIONS.glob("*.ipynb"))
