"""A scratch nbgrader course folder: release the assignment, take submissions, run
nbgrader's stock autograde, read the scores back from the gradebook.

Tests use it to grade exactly as an instructor with plain nbgrader would, and the
benchmark uses it as the baseline.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from autograde import course
from autograde.grading.nbgrader_api import course_folder

Scores = dict[str, dict[str, float]]  # notebook -> grade_id -> score


class Classroom:
    def __init__(self, root: Path):
        self.root = root
        self.db_url = f"sqlite:///{root / 'gradebook.db'}"
        self.api = course_folder(root, self.db_url, "ch03")

    def submit(self, student: str, notebooks: dict[str, Path | str]) -> Path:
        """Hand in `notebooks` (file name -> file or notebook text) as `student`."""
        folder = self.root / "submitted" / student / "ch03"
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in notebooks.items():
            if isinstance(content, Path):
                shutil.copyfile(content, folder / name)
            else:
                (folder / name).write_text(content, encoding="utf-8")
        return folder

    def autograde(self, student: str) -> None:
        """nbgrader's autograde for `student` ("*": every student handed in, in one run)."""
        result = self.api.autograde("ch03", student, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(result.get("error") or result.get("log"))

    def scores(self, student: str) -> Scores:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gb:
            submission = gb.find_submission("ch03", student)
            return {nb.name: {g.name: g.score for g in nb.grades if g.cell.cell_type == "code"} for nb in submission.notebooks}
