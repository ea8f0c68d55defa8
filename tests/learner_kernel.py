"""A notebook run as a learner's JupyterLab kernel runs it (and stock nbgrader's, which runs the
same check cells): in this process, each check comparing with the references itself."""
from __future__ import annotations

import contextlib
import io

import nbformat
import torch

from autograde.kernel import exercise
from autograde.verdict.references import references


def run_as_learner(nb: nbformat.NotebookNode, stem: str, monkeypatch,
                   strict: bool = True) -> tuple[dict[str, tuple[float, float]], str, dict]:
    """Run every code cell of notebook `stem`: each exercise's (earned, possible), what the
    checks printed, and the notebook's namespace. Not `strict`: carry on past a cell that
    raises, as grading does."""
    monkeypatch.setattr(exercise, "SCORES", {})
    monkeypatch.setattr(exercise, "FAILED_RUNS", {})
    monkeypatch.setattr(exercise, "RECORDER", None)
    monkeypatch.delenv("AUTOGRADE_MODE", raising=False)
    namespace: dict = {"__name__": "__main__"}
    out = io.StringIO()
    with torch.random.fork_rng(), contextlib.redirect_stdout(out):
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                exec(compile(cell.source, f"<{stem} cell {index}>", "exec"), namespace)
            except Exception:
                if strict:
                    raise
    titles = {e["title"]: gid for gid, e in references().exercises_of(stem).items()}
    scores = {titles[title]: (float(score), score.possible) for title, score in exercise.SCORES.items()}
    return scores, out.getvalue(), namespace
