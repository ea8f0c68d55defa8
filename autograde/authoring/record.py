"""Recording the reference tensors by running the solution notebooks.

The solutions are run in this process, cell after cell, with every test cell's checks
kept instead of compared: that is the reference. Each known mistake (mistakes.py) is
then applied to the solution's source and run the same way, and what it changes is kept
as `name~mistake` so that feedback can name the mistake a learner's value matches.
"""
from __future__ import annotations

import contextlib
import io
import re
import warnings
from collections.abc import Iterable
from pathlib import Path

import nbformat
import torch

from ..kernel import exercise as exercise_module
from ..kernel.seeding import drawing_from
from ..verdict.compare import close
from ..verdict.failures import HIDDEN_REGION
from ..verdict.hints import hint
from ..verdict.mistakes import MISTAKES, apply_mistake
from ..verdict.references import MISTAKE_SEP, References

# a check's name up to the quote that opened it: a name may hold the other quote ("on 'the' 8 times")
CHECK_NAME = re.compile(r"""\.check\(\s*(["'])(.*?)\1""")


def hidden_check_names(source: str) -> set[str]:
    """The names of the checks in a cell's hidden-tests region: their references are recorded as hidden."""
    return {match.group(2) for region in HIDDEN_REGION.findall(source) for match in CHECK_NAME.finditer(region)}


class RecordingError(RuntimeError):
    pass


class Recorder:
    def __init__(self, notebook: str, strict: bool):
        self.notebook, self.strict = notebook, strict
        self.values: dict[str, torch.Tensor] = {}
        self.hidden: set[str] = set()
        self.exercises: dict[str, dict] = {}
        self.cell: dict | None = None

    def record(self, exercise, name: str, value, points: float) -> None:
        meta = (self.cell or {}).get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade"):
            raise RecordingError(f"{self.notebook}: check {name!r} is outside an autograded test cell")
        if name in self.values or MISTAKE_SEP in name:
            raise RecordingError(f"{self.notebook}: check name {name!r} is used twice or contains {MISTAKE_SEP!r}")
        try:
            self.values[name] = exercise_module.as_tensor(value() if callable(value) else value)
        except Exception:
            if self.strict:
                raise
            return
        first_hint, _ = hint(meta["grade_id"], 1)  # what feedback pages show; `check --hints N` shows more
        entry = self.exercises.setdefault(meta["grade_id"], {
            "notebook": self.notebook, "title": exercise.title, "skill": exercise.skill, "hint": list(first_hint or ()),
            "points": float(meta["points"]), "checks": []})
        entry["checks"].append({"name": name, "points": float(points), "hidden": name in self.hidden})


def run(nb: nbformat.NotebookNode, notebook: str, *, strict: bool = True) -> Recorder:
    """Run `nb`'s code cells in a fresh namespace and return what its checks recorded.

    Strict runs (the solutions) stop at the first error; lenient ones (a mistake applied)
    carry on past failing cells, as a learner's notebook would.
    """
    recorder = Recorder(notebook, strict)
    namespace: dict = {"__name__": "__main__"}
    exercise_module.RECORDER = recorder
    try:
        # a learner's warnings (a deprecated .T in a catalogued mistake) are not the recorder's to print
        with torch.random.fork_rng(), contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.manual_seed(0)  # the notebooks seed what they use; this only makes stray draws repeatable
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                recorder.cell = cell
                recorder.hidden = hidden_check_names(cell.source)
                try:
                    exec(compile(cell.source, f"<{notebook} cell {index}>", "exec"), namespace)
                except Exception:
                    if strict:
                        raise
    finally:
        exercise_module.RECORDER = None
    if strict:
        for grade_id, entry in recorder.exercises.items():
            total = sum(c["points"] for c in entry["checks"])
            if abs(total - entry["points"]) > 1e-9:
                raise RecordingError(f"{notebook}: the test cell {grade_id!r} is worth {entry['points']} points "
                                     f"but its checks add up to {total}: a test cell's points must equal the sum "
                                     "of its checks' points; change the cell's points (nbgrader metadata) or the "
                                     "points= of its .check calls")
    return recorder


def record_notebook(path: Path) -> References:
    """References for one solution notebook, its known mistakes included."""
    nb = nbformat.read(path, as_version=4)
    notebook = path.stem
    correct = run(nb, notebook)
    refs = References(exercises=correct.exercises)
    hidden = {c["name"] for e in correct.exercises.values() for c in e["checks"] if c["hidden"]}
    for name, value in correct.values.items():
        (refs.hidden if name in hidden else refs.visible)[name] = value
    for mistake in MISTAKES.values():
        if mistake.notebook != notebook:
            continue
        wrong = run(apply_mistake(nb, mistake), notebook, strict=False)
        for name, value in wrong.values.items():
            if name in correct.values and not close(value, correct.values[name]):
                store = refs.hidden if name in hidden else refs.visible
                store[f"{name}{MISTAKE_SEP}{mistake.id}"] = value
    return refs


def record_course(solutions: Path, seeds: Iterable[tuple[int, int]] = ()) -> References:
    """The references of one assignment's solutions. `seeds`: under a secret, the (N, derived
    seed) pairs its hidden tests draw from (grading/secret.py); the public seeds otherwise."""
    refs = References()
    with drawing_from(seeds):
        for path in sorted(solutions.glob("*.ipynb")):
            one = record_notebook(path)
            refs.visible.update(one.visible)
            refs.hidden.update(one.hidden)
            refs.exercises.update(one.exercises)
    return refs


# Recording the references on another CPU (other SIMD kernels, other summation orders) moves
# float32 values by a few units in the last place: up to 4.8e-7 was seen. The staleness check
# allows that and nothing more: about 8 float32 ulps, five to ten times below the grading
# tolerance (compare.RTOL, compare.ATOL), and far below what any edit of a solution changes.
STALE_RTOL = 1e-6
STALE_ATOL = 1e-6


def differences(old: References, new: References) -> list[str]:
    """What differs between two sets of references, one line each (empty: the same, up to
    float rounding on another CPU)."""
    found = []
    if old.exercises != new.exercises:
        found.append("the exercise catalogue differs")
    for kind in ("visible", "hidden"):
        a, b = getattr(old, kind), getattr(new, kind)
        found += [f"{kind}: {n} only in the committed references" for n in sorted(a.keys() - b.keys())]
        found += [f"{kind}: {n} only in the regenerated references" for n in sorted(b.keys() - a.keys())]
        for n in sorted(a.keys() & b.keys()):
            why = _difference(a[n], b[n])
            if why:
                found.append(f"{kind}: {n} differs ({why})")
    return found


def keeping_unchanged(kept: References, fresh: References) -> References:
    """`fresh`, with every tensor that agrees with the committed one up to float rounding (the
    rule of `differences`) taken from `kept`: a rebuild then writes the same bytes, and only
    what an edit really changed moves in git."""
    stores = {}
    for kind in ("visible", "hidden"):
        old = getattr(kept, kind)
        stores[kind] = {n: old[n] if n in old and _difference(old[n], t) is None else t
                        for n, t in getattr(fresh, kind).items()}
    return References(visible=stores["visible"], hidden=stores["hidden"], exercises=fresh.exercises)


def _difference(a: torch.Tensor, b: torch.Tensor) -> str | None:
    """Why two recordings of one value disagree, or None when they agree up to rounding.
    NaN (a fully masked row) equals NaN and infinities must match exactly."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return f"{a.dtype} {tuple(a.shape)} vs {b.dtype} {tuple(b.shape)}"
    if not a.is_floating_point():
        return None if torch.equal(a, b) else "integer values differ"
    if torch.allclose(a.double(), b.double(), rtol=STALE_RTOL, atol=STALE_ATOL, equal_nan=True):
        return None
    finite = torch.isfinite(a) & torch.isfinite(b)
    if not torch.equal(torch.isfinite(a), torch.isfinite(b)) or not torch.equal(a[~finite].nan_to_num(), b[~finite].nan_to_num()):
        return "NaN or infinity in other places"
    gap = (a.double() - b.double()).abs()[finite].max().item()
    return f"largest difference {gap:.2g}, more than float rounding"
