"""Where submissions come from (folders, LMS zips, one notebook), usage errors, and a run
that is killed halfway."""
import csv
import os
import signal
import subprocess
import sys
import time
import zipfile

import pytest

from autograde import cli, course
import example_class as ex
from autograde.grading.grader import STATE_FILE, Settings, grade, load_state
from autograde.verdict.statuses import say
from catalogued import assert_catalogued_text
from conftest import SLOW


NB1 = ex.NB1
def non_utf8_zip(path, members):
    """A zip whose member names are written as given bytes, without the UTF-8 flag,
    as old Windows tools do."""
    placeholder = {}
    with zipfile.ZipFile(path, "w") as archive:
        for i, (name, content) in enumerate(members):
            stand_in = f"n{i:0{len(name) - 1}d}" if isinstance(name, bytes) else name
            placeholder[stand_in.encode()] = name
            archive.writestr(stand_in, content)
    data = path.read_bytes()
    for stand_in, name in placeholder.items():
        if isinstance(name, bytes):
            data = data.replace(stand_in, name)
    path.write_bytes(data)


def rows_of(out):
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}


def run_cli(*args):
    return cli.main(["grade", *map(str, args)])  # the course's own cell timeout: honest hand-ins never race it


@pytest.mark.needs_sandbox
def test_lms_zips_with_unsafe_and_non_utf8_names(tmp_path):
    zips = tmp_path / "export"
    zips.mkdir()
    solved = ex.text(ex.solved(NB1))
    non_utf8_zip(zips / "Doe, Jane_12345_assignsubmission_file_ch03.zip", [
        ("../../escaped.ipynb", solved),
        (f"ch03/{NB1}", solved),
        (b"ch03/caf\xe9\xe9.ipynb", "{}"),
    ])
    out = tmp_path / "out"
    assert run_cli(zips, "--out", out) == 0
    rows = rows_of(out)
    student = "Doe_Jane"  # Moodle names the file {full name}_{participant id}_assignsubmission_file_
    assert rows[(student, NB1[:-6])]["score"] == "6" and rows[(student, NB1[:-6])]["status"] == "ok"
    assert rows[(student, "escaped.ipynb")]["status"] == "unsafe path in zip, skipped"
    assert any(r["status"] == "not part of this assignment, ignored" for (s, n), r in rows.items() if "caf" in n)
    assert rows[(student, "02_attention_all_tokens")]["status"] == say("missing")
    for row in rows.values():
        assert_catalogued_text(row["status"])
    assert not list(tmp_path.rglob("escaped.ipynb"))  # nothing was written from the zip's paths


@pytest.mark.needs_sandbox
def test_a_single_notebook(tmp_path):
    notebook = tmp_path / NB1
    notebook.write_text(ex.text(ex.solved(NB1)), encoding="utf-8")
    out = tmp_path / "out"
    assert run_cli(notebook, "--out", out) == 0
    rows = rows_of(out)
    assert rows[("student", NB1[:-6])]["score"] == "6"
    assert (out / "feedback" / "student" / f"{NB1[:-6]}.html").exists()


@pytest.mark.parametrize("args, message", [
    (["no/such/folder", "--out", "OUT"], "no such file or folder"),
    (["SRC", "--out", "OUT", "--assignment", "ch04"], "unknown assignment"),
    (["SRC", "--out", "OUT", "--roster", "ROSTER"], "cannot read the roster"),
])
def test_usage_errors_exit_with_2(tmp_path, capsys, args, message):
    (tmp_path / "SRC" / "s" / "ch03").mkdir(parents=True)
    args = [str(tmp_path / a) if a in ("SRC", "OUT", "ROSTER", "no/such/folder") else a for a in args]
    with pytest.raises(SystemExit) as exit_:
        cli.main(["grade", *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


KILLED_AFTER = 2  # students recorded when the instructor kills the run

# The grading process of a class, stopped for good (its stdin is never written) right after its
# KILLED_AFTER-th student is recorded, so that the kill comes when the test has seen that many
# lines in the state file, not after a guessed number of seconds.
STOPPED_RUN = """
import sys
from pathlib import Path
from autograde.grading.grader import Settings, grade
recorded = []
def stop_after(student, rows):
    recorded.append(student)
    if len(recorded) == {after}:
        sys.stdin.readline()
grade(Path({source!r}), Path({out!r}), settings=Settings(workers=1), on_student=stop_after)
"""


def wait_for_state(out, students: int, proc: subprocess.Popen) -> None:
    """Until the state file of `out` holds `students` students (the marker the run writes)."""
    deadline = time.monotonic() + 300 * SLOW
    while len(load_state(out)) < students:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"no {students} students in {out / STATE_FILE} after {300 * SLOW:g} s"
        time.sleep(0.1)


@pytest.mark.needs_sandbox
def test_a_killed_run_resumes_with_exactly_the_students_it_had_not_finished(tmp_path, executed):
    """SIGKILL, as an instructor's `kill -9`: the next run executes only the notebooks of the
    students the killed one had not recorded (counted where they are handed to the workers, not in
    the rows, which report finished students too), and every row is as one uninterrupted run's."""
    names = ["ana", "bo", "cy", "di"]
    students = {name: {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", f"student = {name!r}")} for name in names}
    source, out = ex.write_class(tmp_path / "class", students), tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", STOPPED_RUN.format(after=KILLED_AFTER, source=str(source), out=str(out))],
                            cwd=course.ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        wait_for_state(out, KILLED_AFTER, proc)
        proc.kill()
        proc.communicate(timeout=60 * SLOW)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    finished = list(load_state(out))
    assert finished == names[:KILLED_AFTER]
    with open(out / STATE_FILE, "a", encoding="utf-8") as journal:  # and killed again while saving a third
        journal.write('{"student": "cy", "graded": {"key"')
    rows = grade(source, out, settings=Settings(workers=1))
    ran = [next(c["source"] for c in request["cells"] if c["source"].startswith("student = ")) for request in executed]
    assert ran == [f"student = {name!r}" for name in names[KILLED_AFTER:]]
    assert {(r.student_id, r.notebook): (r.score, r.status) for r in rows if r.notebook == NB1[:-6]} == {
        (name, NB1[:-6]): (6.0, "ok") for name in names}
    assert list(load_state(out)) == names


def test_the_bundled_example_class_is_up_to_date(tmp_path):
    fresh = ex.write_class(tmp_path / "class", ex.example_class())
    committed = course.ROOT / "examples" / "class"
    files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    stale = [str(f) for f in files if (fresh / f).read_bytes() != (committed / f).read_bytes()]
    assert not stale, f"run `python tests/example_class.py` to refresh: {stale}"
