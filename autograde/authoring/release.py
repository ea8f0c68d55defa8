"""Making the student release from the solutions with nbgrader's own generate_assignment."""
from __future__ import annotations

import filecmp
import shutil
import tempfile
from pathlib import Path

from ..grading.nbgrader_api import SCRATCH_FOLDERS, course_folder


def generate_release(assignment: str, out: Path) -> Path:
    """Write the release of one assignment's solutions to `out` (replacing it); returns `out`.

    nbgrader works inside a course folder, so it runs in a scratch one with its own
    throw-away gradebook; the instructor's gradebook is never touched.
    """
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        root = Path(scratch)
        course_folder(root, f"sqlite:///{root / 'gradebook.db'}", assignment)
        mirror(root / SCRATCH_FOLDERS["release_directory"] / assignment, out)
    return out


def mirror(source: Path, out: Path) -> None:
    """Make `out` hold what `source` holds, touching only the files that differ (a rebuild with
    nothing changed leaves every file and its time stamp as it was)."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in sorted(out.rglob("*"), reverse=True):  # deepest first: a folder after its files
        if not (source / stale.relative_to(out)).exists() or (source / stale.relative_to(out)).is_dir() != stale.is_dir():
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    for new in sorted(source.rglob("*")):
        target = out / new.relative_to(source)
        if new.is_dir():
            target.mkdir(exist_ok=True)
        elif not target.is_file() or not filecmp.cmp(new, target, shallow=False):
            shutil.copy2(new, target)
