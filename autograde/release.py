"""Making the student release from the solutions with nbgrader's own generate_assignment."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from . import course
from .nbgrader_api import api


class NbgraderFailed(RuntimeError):
    pass


def generate_release(out: Path, solutions: Path = course.SOLUTIONS) -> Path:
    """Write the release of `solutions` to `out` (replacing it); returns `out`.

    nbgrader works inside a course folder, so it runs in a scratch one with its own
    throw-away gradebook; the instructor's gradebook is never touched.
    """
    with tempfile.TemporaryDirectory(prefix="release-") as scratch:
        root = Path(scratch)
        shutil.copytree(solutions, root / "solutions" / course.ASSIGNMENT)
        result = api(root, f"sqlite:///{root / 'gradebook.db'}").generate_assignment(course.ASSIGNMENT, force=True, create=True)
        if not result["success"]:
            raise NbgraderFailed(result.get("error") or result.get("log"))
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(root / "notebooks" / course.ASSIGNMENT, out)
    return out
