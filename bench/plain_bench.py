"""Grading speed on any nbgrader course: nbgrader's own documentation course (ps1: problem1,
problem2, an image beside them), with its two students' hand-ins copied to N students, graded
where it lies by stock `nbgrader autograde ps1` and by `autograde grade` in the same run.

    python bench/plain_bench.py N [N ...] [--workers W]

For each N: both times (each a command, from launch to its last grade), the ratio, and
whether every cell of every student got the same auto score from both.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograde import course

sys.path.insert(0, str(course.ROOT / "tests"))  # the documentation course's files and the gradebook reader
from plain_course import DOCS, _run, cell_grades  # noqa: E402

CONFIG = 'c = get_config()\nc.CourseDirectory.course_id = "example_course"\n'
AUTHORS = ("bitdiddle", "hacker")


def build_course(root: Path, n: int) -> Path:
    """The documentation course as it lies (source/ps1, nbgrader's default folders), with N
    students: bitdiddle's and hacker's hand-ins in turn."""
    shutil.copytree(DOCS / "source" / "ps1", root / "source" / "ps1")
    for i in range(n):
        shutil.copytree(DOCS / "submitted" / AUTHORS[i % 2] / "ps1", root / "submitted" / f"s{i:04d}-{AUTHORS[i % 2]}" / "ps1")
    (root / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    return root


def run(n: int, workers: int, work: Path) -> tuple[float, float, bool]:
    """Stock's seconds, ours, and whether every cell's auto score agrees."""
    stock_root, ours_root = build_course(work / "stock", n), build_course(work / "ours", n)
    nbgrader = [sys.executable, "-m", "nbgrader"]
    _run([*nbgrader, "generate_assignment", "ps1", "--force"], stock_root)
    started = time.monotonic()
    _run([*nbgrader, "autograde", "ps1", "--force"], stock_root)
    stock_seconds = time.monotonic() - started
    ours = [sys.executable, "-m", "autograde.cli", "--course", str(ours_root)]
    env = {"AUTOGRADE_COURSE": ""}
    _run([*ours, "release"], ours_root, env)
    started = time.monotonic()
    _run([*ours, "grade", "--out", str(work / "out"), "--workers", str(workers)], ours_root, env)
    ours_seconds = time.monotonic() - started
    scores = lambda grades: {key: value[0] for key, value in grades.items()}  # noqa: E731
    same = scores(cell_grades(f"sqlite:///{stock_root / 'gradebook.db'}", "ps1")) == \
        scores(cell_grades(f"sqlite:///{work / 'out' / 'gradebook.db'}", "ps1"))
    return stock_seconds, ours_seconds, same


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="+", type=int)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    for n in args.sizes:
        with tempfile.TemporaryDirectory(prefix="plain-bench-") as work:
            stock_seconds, ours_seconds, same = run(n, args.workers, Path(work))
        notebooks = 2 * n
        print(f"N={n:4d} ({notebooks} notebooks): stock {stock_seconds:7.1f} s ({stock_seconds / notebooks:.2f} s/notebook), "
              f"autograde {ours_seconds:6.1f} s ({ours_seconds / notebooks:.3f} s/notebook), "
              f"ratio {stock_seconds / ours_seconds:5.1f}x, same scores: {same}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
