"""Where submissions come from (folders, LMS zips, one notebook), usage errors, and a run
that is killed halfway."""
import csv
import zipfile

import pytest

from autograde import cli, course
import example_class as ex
from autograde.grading.grader import STATE_FILE, Settings, grade, load_state
from autograde.verdict.statuses import say
from catalogued import assert_catalogued_text


NB1 = ex.NB1
SETTINGS = Settings(timeout=10)


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
    return cli.main(["grade", *map(str, args), "--timeout", "10"])


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


@pytest.mark.needs_sandbox
def test_a_killed_run_keeps_its_work_and_the_next_completes(tmp_path):
    source = ex.write_class(tmp_path / "class", {
        "first": {NB1: ex.text(ex.solved(NB1))}, "second": {NB1: ex.text(ex.blank(NB1))}})
    out = tmp_path / "out"

    def killed(student, rows):
        raise KeyboardInterrupt  # as if the instructor pressed Ctrl-C after the first student

    with pytest.raises(KeyboardInterrupt):
        grade(source, out, settings=SETTINGS, on_student=killed)
    assert list(load_state(out)) == ["first"]
    with open(out / STATE_FILE, "a", encoding="utf-8") as journal:  # and killed again while saving "second"
        journal.write('{"student": "second", "graded": {"key"')
    graded = []
    rows = grade(source, out, settings=SETTINGS, on_student=lambda s, r: graded.append(s))
    assert graded == ["first", "second"]
    scores = {(r.student_id, r.notebook): r.score for r in rows}
    assert scores[("first", NB1[:-6])] == 6 and scores[("second", NB1[:-6])] == 0


def test_the_bundled_example_class_is_up_to_date(tmp_path):
    fresh = ex.write_class(tmp_path / "class", ex.example_class())
    committed = course.ROOT / "examples" / "class"
    files = sorted(p.relative_to(fresh) for p in fresh.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    stale = [str(f) for f in files if (fresh / f).read_bytes() != (committed / f).read_bytes()]
    assert not stale, f"run `python tests/example_class.py` to refresh: {stale}"
