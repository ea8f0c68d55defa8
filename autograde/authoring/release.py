"""Making the student release from the solutions with nbgrader's own generate_assignment."""
from __future__ import annotations

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
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(root / SCRATCH_FOLDERS["release_directory"] / assignment, out)
    return out
