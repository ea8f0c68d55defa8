"""The `autograde` command: a thin layer over plain functions that the tests call directly."""
from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

from . import course


def cmd_references(args: argparse.Namespace) -> int:
    from . import record, references

    fresh = record.record_course(Path(args.solutions))
    if args.check:
        diffs = record.differences(references.load(), fresh)
        for line in diffs:
            print(line)
        print("references are up to date" if not diffs else f"{len(diffs)} difference(s): run `autograde references`")
        return 1 if diffs else 0
    for path in references.save(fresh):
        print(f"wrote {path.relative_to(course.ROOT) if path.is_relative_to(course.ROOT) else path}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from .release import generate_release

    out = generate_release(Path(args.out))
    print(f"wrote the student release to {out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .outputs import execute_in_place

    status = cmd_references(argparse.Namespace(solutions=str(course.SOLUTIONS), check=False))
    for path in sorted(course.SOLUTIONS.glob("*.ipynb")):
        print(f"executing {path.relative_to(course.ROOT)}", flush=True)
        execute_in_place(path)
    return status or cmd_release(argparse.Namespace(out=str(course.RELEASE)))


def cmd_grade(args: argparse.Namespace) -> int:
    from .grading import Settings, grade
    from .report import Progress, print_summary, write_csv

    settings = Settings(timeout=args.timeout, memory_bytes=int(args.memory_gb * 2**30), workers=args.workers,
                        scheduler=args.scheduler)
    started = time.monotonic()
    with Progress() as progress:
        rows = grade(Path(args.submissions), Path(args.out), args.assignment, args.db, settings,
                     on_student=progress.advance, on_start=progress.start)
    seconds = time.monotonic() - started
    csv_path = write_csv(rows, Path(args.out) / "grades.csv")
    print_summary(rows)
    notebooks = sum(1 for r in rows if r.max_score > 0)
    print(f"{notebooks} notebooks in {seconds:.1f} s: {notebooks / seconds:.2f} notebooks per second")
    print(f"grades: {csv_path}   feedback: {Path(args.out) / 'feedback'}   gradebook: {args.db or Path(args.out) / 'gradebook.db'}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .report import print_check
    from .student import check

    print_check(check([Path(p) for p in args.notebooks], timeout=args.timeout, hints=args.hints))
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from .student import submit

    notebooks = [Path(p) for p in args.notebooks] or [course.RELEASE / name for name in course.notebook_names()]
    result = submit(notebooks, args.student, Path(args.out) if args.out else None)
    for name, problems in result.problems.items():
        for problem in problems:
            print(f"✗ {name}: {problem}")
    if result.zip is None:
        print("Not submitted: fix the problems above, then run `autograde submit` again.")
        return 1
    for name in result.missing:
        print(f"note: {name} is not included (it will count as missing)")
    print(f"✓ wrote {result.zip} ({len(notebooks)} notebooks): hand this file in.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograde", description="Grading for the chapter 3 attention course.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("references", help="record the reference tensors by running the solution notebooks")
    p.add_argument("--solutions", default=str(course.SOLUTIONS), help="folder of solution notebooks (default: %(default)s)")
    p.add_argument("--check", action="store_true", help="only compare with the committed references; exit 1 if they differ")
    p.set_defaults(func=cmd_references)

    p = sub.add_parser("release", help="generate the student notebooks from the solutions with nbgrader")
    p.add_argument("--out", default=str(course.RELEASE), help="where to write them (default: %(default)s)")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("grade", help="grade a class's submissions: CSV, feedback and the nbgrader gradebook")
    p.add_argument("submissions", help="a folder STUDENT_ID/ch03/*.ipynb, a folder of .zip files (one per student), or one notebook")
    p.add_argument("--out", required=True, help="folder for grades.csv, feedback/ and gradebook.db")
    p.add_argument("--assignment", default=course.ASSIGNMENT, help="assignment id (default: %(default)s)")
    p.add_argument("--db", help="gradebook as an SQLAlchemy URL (default: sqlite in --out)")
    p.add_argument("--timeout", type=int, default=30, help="seconds a cell may run (default: %(default)s)")
    p.add_argument("--memory-gb", type=float, default=3.0, help="memory limit of a student's kernel (default: %(default)s)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="notebooks run in parallel (default: all cores, %(default)s)")
    p.add_argument("--scheduler", help="run the notebooks on a Dask cluster (tcp://HOST:8786) instead of this machine")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("check", help="run your notebooks with grading's limits and show the visible checks (hidden ones run at grading)")
    p.add_argument("notebooks", nargs="+", help="your notebooks (e.g. notebooks/ch03/*.ipynb)")
    p.add_argument("--timeout", type=int, default=30, help="seconds a cell may run, as in grading (default: %(default)s)")
    p.add_argument("--hints", type=int, default=1, metavar="N",
                   help="how specific the hints for failed exercises are: 1 gives the idea, 2 and up say more (default: %(default)s)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("submit", help="check your notebooks' structure and pack them into one zip to hand in")
    p.add_argument("notebooks", nargs="*", help=f"notebooks to hand in (default: all of notebooks/{course.ASSIGNMENT})")
    p.add_argument("--student", required=True, help="your student id; the zip is named after it")
    p.add_argument("--out", help="where to write the zip (default: STUDENT.zip here)")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("build", help="after editing solutions/: re-record references, refresh stored outputs, regenerate the release")
    p.set_defaults(func=cmd_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    from .submissions import UsageError

    # nbgrader's gradebook code trips this SQLAlchemy warning on every notebook; it is harmless
    warnings.filterwarnings("ignore", message="Object of type .* not in session")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits with status 2


if __name__ == "__main__":
    sys.exit(main())
