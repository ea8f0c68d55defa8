"""The `autograde` command: a thin layer over plain functions that the tests call directly."""
from __future__ import annotations

import argparse
import sys
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

    p = sub.add_parser("build", help="after editing solutions/: re-record references, refresh stored outputs, regenerate the release")
    p.set_defaults(func=cmd_build)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
