"""Auto-grading for the chapter 3 attention course.

Notebooks use `from autograde import Exercise, seeded`; instructors and students use the
`autograde` command (see cli.py).
"""
from .exercise import Exercise, progress
from .seeding import seeded

__all__ = ["Exercise", "progress", "seeded"]
