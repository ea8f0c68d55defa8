"""The catalogue of likely mistakes, each written as an edit of a solution notebook.

Each mistake serves twice: the reference run applies it and keeps the values it
produces, so feedback can recognise it in a learner's value; and the grading tests
submit it and assert it loses exactly the points listed in `scores`.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

import nbformat


@dataclass(frozen=True)
class Mistake:
    id: str
    notebook: str
    old: str  # text in the solution's code, found exactly once
    new: str
    en: str
    zh: str
    # grade_id -> points the notebook still earns there with this mistake; unlisted exercises keep full points
    scores: dict[str, float] = field(default_factory=dict)


def apply_mistake(nb: nbformat.NotebookNode, mistake: Mistake) -> nbformat.NotebookNode:
    """A copy of `nb` with the mistake made; fails loudly if the solution no longer holds `old`."""
    wrong = copy.deepcopy(nb)
    hits = [cell for cell in wrong.cells if cell.cell_type == "code" and mistake.old in cell.source]
    if len(hits) != 1 or hits[0].source.count(mistake.old) != 1:
        raise ValueError(f"mistake {mistake.id!r}: {mistake.old!r} must occur exactly once in {mistake.notebook}")
    hits[0].source = hits[0].source.replace(mistake.old, mistake.new)
    return wrong


_CATALOGUE: list[Mistake] = []

MISTAKES: dict[str, Mistake] = {m.id: m for m in _CATALOGUE}
