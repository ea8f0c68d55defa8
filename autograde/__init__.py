"""Auto-grading for the attention course.

Notebooks use `from autograde import Exercise, seeded`; instructors and students use the
`autograde` command (see cli.py).
"""
from __future__ import annotations

__all__ = ["Exercise", "progress", "seeded"]


def __getattr__(name: str):
    # Imported on first use: the notebook helpers need torch, the `autograde` command mostly does not.
    if name in ("Exercise", "progress"):
        from .kernel import exercise

        return getattr(exercise, name)
    if name == "seeded":
        from .kernel.seeding import seeded

        return seeded
    raise AttributeError(f"module 'autograde' has no attribute {name!r}")
