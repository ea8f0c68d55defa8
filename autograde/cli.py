"""The `autograde` command: a thin layer over plain functions that the tests call directly."""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
import warnings
from dataclasses import asdict, replace
from pathlib import Path

from rich.console import Console

from . import course
from .errors import UsageError
from .grading.nbgrader_api import cell_timeout
from .verdict.languages import CHOICES, default as default_language
from .workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES

# A student's handout (`autograde handout`) ships the package without authoring/: there the
# command offers the student's commands only (check, submit, notebooks), and says so when asked
# for an instructor's command.
INSTRUCTOR = importlib.util.find_spec("autograde.authoring") is not None


def _assignments(args: argparse.Namespace) -> list[str]:
    """The assignments an authoring command works on: the one named, or all of them."""
    return [course.known(args.assignment)] if args.assignment else course.assignments()


def _needs(module: str, extra: str, what: str) -> None:
    """Stop with the install command when an optional dependency is missing."""
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise UsageError(f"{what} needs {module}, which is not installed here: pip install -e '.[{extra}]' "
                         "(python3 course.py installs every extra)")


def _shown(path: Path) -> Path:
    return path.relative_to(course.ROOT) if path.is_relative_to(course.ROOT) else path


def _secret(args: argparse.Namespace):
    """The instructor's secret for grading and recording (grading/secret.py), or None."""
    from .grading import secret

    if getattr(args, "no_secret", False):
        return None
    return secret.find(getattr(args, "secret_file", None), getattr(args, "hidden_references", None))


def cmd_references(args: argparse.Namespace) -> int:
    from .authoring import record
    from .grading.secret import FINGERPRINT_KEY
    from .verdict import references

    found = _secret(args)
    status = 0
    for assignment in _assignments(args):
        # under a secret, the hidden tests draw from its seeds, and only the hidden references are kept, privately
        fresh = record.record_course(course.solutions(assignment), found.table(assignment) if found else ())
        others = [references.load(course.references(a), hidden=False) for a in course.assignments() if a != assignment]
        clashes = [line for other in others for line in references.clashes(fresh, other)]
        for line in clashes:
            print(f"{assignment}: {line}")
        kept = references.load(course.references(assignment), private=found.references if found else None)
        if args.check:
            diffs = record.differences(kept, fresh)
            for line in diffs:
                print(f"{assignment}: {line}")
            print(f"{assignment}: {'private hidden ' if found else ''}references are up to date" if not diffs else
                  f"{assignment}: {len(diffs)} difference(s) beyond float rounding: "
                  "run `autograde references` to regenerate them from the solutions")
            status = status or (1 if diffs or clashes else 0)
        elif clashes:
            status = 1  # not written: a notebook would find another assignment's values under that name
        else:
            # what agrees with the committed references up to float rounding is kept as it was
            fresh = record.keeping_unchanged(kept, fresh)
            private = (found.folder(assignment), {FINGERPRINT_KEY: found.fingerprint()}) if found else None
            for path in references.save(fresh, course.references(assignment), private=private):
                print(f"wrote {path} (private hidden references)" if found else f"wrote {_shown(path)}")
    return status


def cmd_release(args: argparse.Namespace) -> int:
    from .authoring.release import generate_release

    if args.out:
        targets = [(course.known(args.assignment), Path(args.out))]
    else:
        targets = [(assignment, course.release(assignment)) for assignment in _assignments(args)]
    for assignment, out in targets:
        generate_release(assignment, out)
        print(f"wrote the student release to {out}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from .authoring.outputs import execute_in_place

    # the course's own references first, then, where the instructor has a secret, the private ones
    status = cmd_references(argparse.Namespace(assignment=args.assignment, check=False, no_secret=True))
    if _secret(args):
        status = cmd_references(argparse.Namespace(assignment=args.assignment, check=False)) or status
    for assignment in _assignments(args):
        for path in sorted(course.solutions(assignment).glob("*.ipynb")):
            print(f"executing {_shown(path)}", flush=True)
            if execute_in_place(path):
                print(f"stored new outputs in {_shown(path)}")
    return status or cmd_release(argparse.Namespace(assignment=args.assignment, out=None))


def _submissions(args: argparse.Namespace) -> Path:
    """What `autograde grade` grades: SUBMISSIONS, or else the course's submitted folder, where
    nbgrader keeps hand-ins (`nbgrader collect`, `zip_collect` or a copy put there by hand)."""
    if args.submissions:
        return Path(args.submissions)
    folder = course.submitted()
    if not folder.is_dir():
        raise UsageError(f"name the hand-ins to grade (SUBMISSIONS): the course has no {folder} "
                         "(c.CourseDirectory.submitted_directory, where nbgrader keeps them)")
    return folder


def cmd_grade(args: argparse.Namespace) -> int:
    # only what grading needs before its workers start: the rest (torch included) loads meanwhile
    from .intake import roster
    from .grading.grader import Settings, grade
    from .grading.recording import Stages
    from .reports.grades import Progress, literal, print_summary, write_csv
    from .intake.submissions import collect

    settings = Settings(timeout=args.timeout, memory_bytes=int(args.memory_gb * 2**30), workers=args.workers,
                        scheduler=args.scheduler, sandbox=not args.no_sandbox, max_processes=args.max_processes,
                        disk_bytes=int(args.disk_mb * 2**20), lang=args.lang, secret=_secret(args))
    args.assignment = course.known(args.assignment)
    if args.scheduler:
        _needs("distributed", "dask", "--scheduler")
    if args.db and args.db.startswith("postgresql"):
        _needs("psycopg2", "postgres", "a PostgreSQL gradebook (--db)")
    handins = collect(_submissions(args), args.assignment, roster.load(Path(args.roster)) if args.roster else None)
    from .reports import export

    saved = export.load(Path(args.out))[0]  # the late policy and --missing an earlier run or export set, unless given again
    # with --json, standard output carries the JSON document alone; what people read goes to stderr
    console = Console(stderr=args.json)
    say = console.print
    if args.no_sandbox:
        print("warning: --no-sandbox: student code runs as you and can read and change what you can "
              "(other hand-ins, the gradebook); every row's status says so", file=sys.stderr)
    started = time.monotonic()
    stages = Stages()
    from .workers.warm import WorkersBroken

    try:
        with Progress(console) as progress:
            rows = grade(handins, Path(args.out), args.assignment, args.db, settings,
                         on_student=progress.advance, on_start=progress.start, stages=stages)
    except WorkersBroken as exc:  # the machine's fault: said plainly, and no grade is kept for anyone it touched
        print(f"autograde: {exc}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    if args.profile:
        from . import atomic

        atomic.write_text(Path(args.profile), json.dumps({**stages.as_dict(sum(1 for r in rows if r.max_score > 0)),
                                                          "grading_seconds": round(seconds, 3),
                                                          "graded_monotonic": time.monotonic(),
                                                          "process_cpu_seconds": round(time.process_time(), 3)}, indent=1))
    from .reports import class_report

    out = Path(args.out)
    db_url = args.db or export.default_db(out)
    # the run's rows, then the same rebuilt from the gradebook: a score reviewed in formgrader
    # stays (a hand-in graded again keeps its manual grades), and the late policy applies
    write_csv(rows, out / "grades.csv", args.assignment)
    try:
        export.save(out, handins, export.Policy(args.format, args.lms_assignment, args.lms_points,
                                                args.late_penalty or saved.late_penalty, args.missing or saved.missing))
        export.record_times(db_url, args.assignment, handins, args.due)
        export.write_formgrader_config(out, db_url)
        exported, not_exported = export.export(out, db_url, args.assignment), None
    except Exception as exc:  # the grades are saved: say so rather than end on a traceback
        exported = export.Exported(rows, {"grades": out / "grades.csv"})
        not_exported = (f"export: not written ({type(exc).__name__}: {exc}); grades.csv holds the run's scores, "
                        f"run `autograde export {args.out}` to try again")
    files = {**exported.files, "feedback": out / "feedback", "gradebook": args.db or out / "gradebook.db"}
    # the summary and --json show the exported scores (a reviewed score, the late policy) with the run's statuses,
    # whose parts carry both languages
    current = {(r.student_id, r.notebook): r for r in exported.rows}
    rows = [replace(r, **{k: getattr(current[(r.student_id, r.notebook)], k) for k in ("score", "hours_late", "late_penalty")})
            if (r.student_id, r.notebook) in current else r for r in rows]
    print_summary(rows, console, args.lang)
    warnings_ = []
    if handins.unrecognised:
        shown = ", ".join(handins.unrecognised[:10]) + (" ..." if len(handins.unrecognised) > 10 else "")
        warnings_.append(f"{len(handins.unrecognised)} file(s) belong to no student "
                         f"(not named the way an LMS or nbgrader names hand-ins), not graded: {shown}")
    warnings_ += exported.warnings
    for warning in warnings_:
        say(literal(f"warning: {warning}"))
    if args.format and args.format in exported.files:
        say(literal(f"{args.format.capitalize()} grade import: {exported.files[args.format]} ({exported.lms_students} students)"))
    notebooks = sum(1 for r in rows if r.max_score > 0)
    ungraded = sum(1 for r in rows if not r.graded)
    say(f"{notebooks} notebooks in {seconds:.1f} s: {notebooks / seconds:.2f} notebooks per second")
    if args.no_sandbox:
        say("graded WITHOUT a sandbox (--no-sandbox)")
    say(literal("   ".join(f"{name}: {path}" for name, path in files.items())))
    status = 0
    try:
        files["report"] = class_report.write(out, exported.rows, args.db, assignment=args.assignment)
    except Exception as exc:  # the grades are saved: say so rather than end on a traceback
        say(literal(f"class report: not written ({type(exc).__name__}: {exc}); the grades are saved, "
                    f"run `autograde report {args.out}` to try again"))
        status = 1
    if not_exported:
        say(literal(not_exported))
        status = 1
    if ungraded:
        say(f"{ungraded} notebook(s) could not be graded because the grading machinery failed; "
            "run the same command again to grade them")
        status = 1
    if "report" in files:
        say(literal(f"class report: {files['report'].resolve().as_uri()}"))
    if args.json:
        print(json.dumps({"rows": [asdict(r) for r in rows], "notebooks": notebooks, "seconds": round(seconds, 3),
                          "not_graded": ungraded, "sandbox": not args.no_sandbox, "warnings": warnings_,
                          "files": {name: str(path) for name, path in files.items()}}, ensure_ascii=False, indent=1))
    return status


def cmd_export(args: argparse.Namespace) -> int:
    from .reports import export
    from .reports.class_report import is_grading_output

    out = Path(args.dir)
    if not is_grading_output(out, args.db):
        raise UsageError(f"{out} is not a grading output folder (no .nbgrader/ and gradebook.db in it): "
                         "run `autograde grade SUBMISSIONS --out DIR` first, or pass --db for a gradebook elsewhere")
    exported = export.export(out, args.db, args.assignment, format=args.format, lms_assignment=args.lms_assignment,
                             lms_points=args.lms_points, late_penalty=args.late_penalty, missing=args.missing,
                             due=args.due)
    for warning in exported.warnings:
        print(f"warning: {warning}")
    print("   ".join(f"{name}: {path}" for name, path in exported.files.items()))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from .reports.class_report import write
    from .reports.similarity import Thresholds

    started = time.monotonic()
    path = write(Path(args.dir), db_url=args.db, thresholds=Thresholds(flag=args.flag_at), assignment=args.assignment)
    print(f"class report in {time.monotonic() - started:.1f} s: {path.resolve().as_uri()}")
    print(f"mistakes: {path.parent / 'mistakes.csv'}   similar pairs: {path.parent / 'similarity.csv'}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .reports.grades import check_json, print_check
    from .student import check

    reports = check([Path(p) for p in args.notebooks], timeout=args.timeout, hints=args.hints, assignment=args.assignment)
    if args.json:
        print(json.dumps(check_json(reports), ensure_ascii=False, indent=1))
    else:
        print_check(reports, lang=args.lang)
    return 0


def cmd_handout(args: argparse.Namespace) -> int:
    from .authoring.handout import write_handout

    written = write_handout(Path(args.dir), course.known(args.assignment) if args.assignment else None, force=args.force)
    print(f"wrote the student handout to {written.folder} ({written.files} files) and {written.zip}")
    return 0


def cmd_submit(args: argparse.Namespace) -> int:
    from .student import submit

    if args.notebooks:
        notebooks = [Path(p) for p in args.notebooks]
    elif course.INSTALLED:  # the release pip installed is the untouched copy, not the learner's work
        raise UsageError("name the notebooks to hand in, e.g. `autograde submit *.ipynb --student YOUR_ID` "
                         "in the folder where you worked on them")
    else:
        assignment = course.known(args.assignment)
        notebooks = [course.release(assignment) / name for name in course.notebook_names(assignment)]
    result = submit(notebooks, args.student, Path(args.out) if args.out else None, args.assignment)
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


def cmd_notebooks(args: argparse.Namespace) -> int:
    from .student import copy_notebooks

    assignment = course.known(args.assignment)
    dest = Path(args.dest or assignment)
    copied, kept = copy_notebooks(assignment, dest)
    for path in kept:
        print(f"kept {path}: it is already there (your work is never overwritten)")
    print(f"✓ copied {len(copied)} notebooks into {dest}: work on them there, then "
          f"`autograde check {dest}/*.ipynb` and `autograde submit {dest}/*.ipynb --student YOUR_ID`")
    return 0


def _share(text: str) -> float:
    value = float(text)
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not a share between 0 and 1")
    return value


def _secret_flags(p: argparse.ArgumentParser, what: str) -> None:
    from .grading.secret import ENV, default_file

    p.add_argument("--secret-file", metavar="FILE",
                   help=f"the instructor's secret for private hidden tests: {what} the private hidden references "
                        f"(default: ${ENV}, else {default_file()} if it exists)")
    p.add_argument("--hidden-references", metavar="DIR",
                   help="the private hidden references' folder, outside the course (default: hidden-references/ beside the secret file)")
    p.add_argument("--no-secret", action="store_true", help=f"ignore ${ENV} and the default secret file: the public hidden references")


def _due(text: str):
    from .reports.late import parse_due

    try:
        return parse_due(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _rule(text: str) -> str:
    from .reports.late import parse

    try:
        return parse(text).text
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _export_flags(p: argparse.ArgumentParser) -> None:
    """The late policy and --missing, for `grade` and `export`: what one sets is kept in the folder's
    class.json for the next (so a regrade does not drop a penalty an export set)."""
    p.add_argument("--due", type=_due, metavar="WHEN",
                   help="the assignment's due date, e.g. 2026-12-01T23:59 (UTC unless a zone is given, as in "
                        "2026-12-01T23:59+08:00), kept in the gradebook (default: the gradebook's, if any)")
    p.add_argument("--late-penalty", metavar="RULE", type=_rule,
                   help="what lateness past the due date (and a student's extension) costs: none, 10%%/day (each "
                        "started day), zero, zero-after=3d, or 10%%/day,zero-after=3d (default: as last set for "
                        "this folder, else none)")
    p.add_argument("--missing", choices=["zero", "blank"],
                   help="in the LMS file, a student who handed in nothing gets 0 or an empty grade "
                        "(default: as last set for this folder, else zero)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograde", description="Grading for the attention course's notebooks, "
                                                                    "and for any nbgrader course's.")
    parser.add_argument("--course", metavar="DIR", help=COURSE_HELP)  # read before the parser is built: see main
    sub = parser.add_subparsers(dest="command", required=True)
    parser.withheld = []  # the instructor's commands a student's handout does not offer

    def instructor(name: str, **kwargs) -> argparse.ArgumentParser:
        """An instructor command's parser: in a student's handout a detached one, not offered."""
        if INSTRUCTOR:
            return sub.add_parser(name, **kwargs)
        parser.withheld.append(name)
        return argparse.ArgumentParser(prog=f"autograde {name}")

    p = instructor("references", help="record the reference tensors by running the solution notebooks")
    p.add_argument("--assignment", help="only this assignment (default: every folder of solutions/)")
    p.add_argument("--check", action="store_true", help="only compare with the committed references; exit 1 if they differ")
    _secret_flags(p, "record the hidden references with it, into")
    p.set_defaults(func=cmd_references)

    p = instructor("release", help="generate the student notebooks from the solutions with nbgrader")
    p.add_argument("--assignment", help="only this assignment (default: every folder of solutions/)")
    p.add_argument("--out", help="where to write them (default: notebooks/ASSIGNMENT)")
    p.set_defaults(func=cmd_release)

    p = instructor("grade", help="grade a class's submissions: CSV, feedback and the nbgrader gradebook")
    p.add_argument("submissions", nargs="?",
                   help="a Canvas, Moodle or Blackboard download (zip or folder), nbgrader's exchange inbound or "
                        "submitted folder, a folder of .zip files (one per student), or one notebook (default: the "
                        "course's submitted folder, c.CourseDirectory.submitted_directory, if it has one)")
    p.add_argument("--out", required=True, help="folder for grades.csv, feedback/ and gradebook.db")
    p.add_argument("--assignment", help="assignment id, a folder of the course's source folder (default: the course's only one)")
    p.add_argument("--db", help="gradebook as an SQLAlchemy URL (default: sqlite in --out)")
    p.add_argument("--timeout", type=int, default=cell_timeout(),
                   help="seconds a cell may run (default: %(default)s, c.Execute.timeout in nbgrader_config.py)")
    p.add_argument("--memory-gb", type=float, default=DEFAULT_MEMORY_BYTES / 2**30,
                   help="memory limit of a notebook, all its processes together (default: %(default)s)")
    p.add_argument("--max-processes", type=int, default=DEFAULT_MAX_PROCESSES,
                   help="processes and threads a notebook may have at once (default: %(default)s)")
    p.add_argument("--disk-mb", type=float, default=DEFAULT_DISK_BYTES / 2**20,
                   help="what a notebook may write to /tmp, /dev/shm and its folder together (default: %(default)g)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="notebooks run in parallel (default: all cores, %(default)s)")
    p.add_argument("--scheduler", help="run the notebooks on a Dask cluster (tcp://HOST:8786) instead of this machine")
    p.add_argument("--no-sandbox", action="store_true",
                   help="grade even where bubblewrap is missing: student code then runs as you (every status says so)")
    p.add_argument("--roster", help="CSV mapping LMS ids and names to the student ids written to grades.csv "
                                    "(student_id, lms_id, name[, email, section, sis_user_id, sis_login_id]); "
                                    "a Canvas gradebook export or a Moodle grading worksheet works as is")
    p.add_argument("--format", choices=["canvas", "moodle"],
                   help="also write the LMS's grade-import file, OUT/grades-canvas.csv or OUT/grades-moodle.csv")
    p.add_argument("--lms-assignment", help="the assignment's column title in the LMS, e.g. 'Attention (12345)' "
                                            "for Canvas (default: the assignment id)")
    p.add_argument("--lms-points", type=float, help="rescale totals to the LMS assignment's maximum (default: the course's points)")
    _export_flags(p)
    p.add_argument("--json", action="store_true", help="print the rows and files as one JSON document on standard output "
                                                       "(the summary goes to standard error)")
    p.add_argument("--lang", choices=CHOICES, default=default_language(),
                   help="language of the feedback pages and of the statuses in the summary: en, zh or both "
                        "(default: %(default)s, from AUTOGRADE_LANG or the locale)")
    p.add_argument("--profile", metavar="FILE", help="write where the time went (seconds per stage: read, sanitize, "
                                                     "execute, compare, record, feedback) to FILE as JSON")
    _secret_flags(p, "grade the hidden checks with it, against")
    p.set_defaults(func=cmd_grade)

    p = instructor("export", help="rebuild DIR/grades.csv, totals.csv and the LMS file from the gradebook (after "
                                  "changes in formgrader, a due date, extensions or a late policy)")
    p.add_argument("dir", help="the --out folder of `autograde grade`")
    p.add_argument("--db", help="gradebook as an SQLAlchemy URL, if grading used --db (default: sqlite in DIR)")
    p.add_argument("--assignment", help="assignment id, as when grading (default: the course's only one)")
    p.add_argument("--format", choices=["canvas", "moodle"], help="the LMS file to write (default: as when grading)")
    p.add_argument("--lms-assignment", help="the assignment's column title in the LMS (default: as when grading)")
    p.add_argument("--lms-points", type=float, help="rescale totals to the LMS assignment's maximum (default: as when grading)")
    _export_flags(p)
    p.set_defaults(func=cmd_export)

    p = instructor("report", help="rebuild DIR/report.html, mistakes.csv and similarity.csv from a grading output folder")
    p.add_argument("dir", help="the --out folder of `autograde grade`")
    p.add_argument("--db", help="gradebook as an SQLAlchemy URL, if grading used --db (default: sqlite in DIR)")
    p.add_argument("--assignment", help="assignment id, as when grading (default: the course's only one)")
    p.add_argument("--flag-at", type=_share, default=0.6, help="flag pairs of hand-ins at this similarity, 0 to 1 (default: %(default)s)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("check", help="run your notebooks with grading's limits and show the visible checks (hidden ones run at grading)")
    p.add_argument("notebooks", nargs="+", help="your notebooks (e.g. notebooks/ASSIGNMENT/*.ipynb)")
    p.add_argument("--timeout", type=int, default=cell_timeout(),
                   help="seconds a cell may run, as in grading (default: %(default)s, c.Execute.timeout in nbgrader_config.py)")
    p.add_argument("--hints", type=int, default=1, metavar="N",
                   help="how specific the hints for failed exercises are: 1 gives the idea, 2 and up say more (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print the results as JSON (for editors, CI and scripts)")
    p.add_argument("--lang", choices=CHOICES, default=default_language(),
                   help="language of the messages: en, zh or both (default: %(default)s, from AUTOGRADE_LANG or the locale)")
    p.add_argument("--assignment", help="which assignment the notebooks are for (default: the one assignment their names belong to)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("submit", help="check your notebooks' structure and pack them into one zip to hand in")
    p.add_argument("notebooks", nargs="*", help="notebooks to hand in (default: all of notebooks/ASSIGNMENT)")
    p.add_argument("--assignment", help="which assignment the notebooks are for (default: the one assignment their names "
                                        "belong to; without NOTEBOOKS, the course's only one)")
    p.add_argument("--student", required=True, help="your student id; the zip is named after it")
    p.add_argument("--out", help="where to write the zip (default: STUDENT.zip here)")
    p.set_defaults(func=cmd_submit)

    p = sub.add_parser("notebooks", help="copy the notebooks into a folder of yours to work on (where the course is installed with pip)")
    p.add_argument("dest", nargs="?", help="the folder (default: ASSIGNMENT here); notebooks already there are kept")
    p.add_argument("--assignment", help="which assignment's notebooks (default: the course's only one)")
    p.set_defaults(func=cmd_notebooks)

    p = instructor("build", help="after editing solutions/: re-record references, refresh stored outputs, regenerate the release")
    p.add_argument("--assignment", help="only this assignment (default: every folder of solutions/)")
    p.set_defaults(func=cmd_build)

    p = instructor("handout", help="write what a student is given: the release, the visible references, the student's "
                                   "package and course.py, a README; and a zip of it")
    p.add_argument("dir", help="an empty (or new) folder to write it to; DIR.zip is written beside it")
    p.add_argument("--assignment", help="only this assignment (default: every folder of solutions/)")
    p.add_argument("--force", action="store_true", help="replace DIR and DIR.zip if they exist")
    p.set_defaults(func=cmd_handout)
    return parser


COURSE_HELP = ("the course folder: this course's, or any nbgrader course's (its nbgrader_config.py names the "
               "source, release and submitted folders) (default: $AUTOGRADE_COURSE, else the working folder if it "
               "is a course, else this clone)")


def _choose_course(argv: list[str]) -> list[str]:
    """Point the course module at `--course DIR` (or AUTOGRADE_COURSE) before anything reads the
    course (the parser's defaults come from its config); `argv` without the flag."""
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--course")
    chosen, rest = early.parse_known_args(argv)
    if chosen.course:
        course.use(Path(chosen.course))
    elif os.environ.get("AUTOGRADE_COURSE"):
        course.use(Path(os.environ["AUTOGRADE_COURSE"]))
    elif (Path.cwd() / course.CONFIG_NAME).is_file() and not course.is_course(Path.cwd()):
        course.use(Path.cwd())  # an nbgrader config here means this folder: say what it lacks, not grade another
    elif not course.is_course(course.ROOT):
        raise UsageError(f"no course found: looked for --course DIR, $AUTOGRADE_COURSE, an {course.CONFIG_NAME} in the "
                         f"working folder {Path.cwd()} whose source or release folder is there, and {course.ROOT}; "
                         "run in a course folder or name one with --course DIR")
    return rest


def main(argv: list[str] | None = None) -> int:
    # nbgrader's gradebook code trips this SQLAlchemy warning on every notebook; it is harmless
    warnings.filterwarnings("ignore", message="Object of type .* not in session")
    # jsonschema (under nbformat) builds ~35 parsers for the "iri" string format at import, a
    # second of every command's start; no schema these commands check uses that format, and
    # jsonschema skips the format when the module is unavailable (python-jsonschema/jsonschema#1428)
    sys.modules.setdefault("rfc3987_syntax", None)
    argv = sys.argv[1:] if argv is None else argv
    try:
        argv = _choose_course(argv)
        parser = build_parser()
    except UsageError as exc:  # no course, or nbgrader_config.py holds a setting the command cannot use
        print(f"autograde: error: {exc}", file=sys.stderr)
        return 2
    if argv and argv[0] in parser.withheld:
        print(f"autograde: `{argv[0]}` is an instructor's command, and this is the student handout of the course: "
              "it offers `autograde check` (run your notebooks' visible checks), `autograde submit` (pack them "
              "to hand in) and `autograde notebooks` (copy them into a folder of yours)", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UsageError as exc:
        parser.error(str(exc))  # exits with status 2


if __name__ == "__main__":
    sys.exit(main())
