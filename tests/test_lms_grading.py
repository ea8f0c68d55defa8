"""`autograde grade` on LMS downloads as they come, with a roster, writing the LMS's own
grade-import file; and a class whose names are hostile (formulas, markup, escapes, scripts)."""
import csv
import datetime
import io
import os
import zipfile

import pytest
from rich.console import Console

import lms_exports as lx
from autograde import cli
from autograde.verdict import references
import example_class as ex
from autograde.grading.grader import Row
from autograde.reports.grades import print_summary
from autograde.verdict.statuses import say
from catalogued import assert_catalogued_text


NB1, STEM1 = ex.NB1, ex.NB1[:-6]
SOLVED, BLANK = ex.text(ex.solved(NB1)), ex.text(ex.blank(NB1))
POSSIBLE = sum(e["points"] for e in references.load(hidden=False).exercises.values())  # all five notebooks


def run(source, out, *args):
    assert cli.main(["grade", str(source), "--out", str(out), *map(str, args)]) == 0


def read_csv(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def grades(out):
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}


def canvas_accepts(table):
    """Canvas's gradebook import rules (canvas-lms app/models/gradebook_importer.rb): the header
    starts Student, ID, then SIS User ID, SIS Login ID and Section (or Section right away); an
    optional "Points Possible" row; one line per student, found by ID or SIS ids or name."""
    header = table[0]
    assert len(header) > 3 and "Student" in header[0] and "ID" in header[1]
    assert header[2:5] == ["SIS User ID", "SIS Login ID", "Section"]
    assert table[1][0] == "Points Possible"
    students = table[2:]
    assert all(len(row) == len(header) for row in table)
    assert all(row[1].isdigit() or row[2] or row[3] for row in students)
    return {row[1]: (row[0], row[5]) for row in students}


def moodle_accepts(table):
    """Moodle's grading worksheet import (mod/assign/feedback/offline/importgradeslib.php): the
    columns Identifier ("Participant N"), Grade and "Last modified (grade)" (a date), a grade
    within the maximum."""
    header = table[0]
    column = {name: header.index(name) for name in ("Identifier", "Grade", "Last modified (grade)", "Maximum Grade")}
    found = {}
    for row in table[1:]:
        assert row[column["Identifier"]].startswith("Participant ")
        participant = row[column["Identifier"]][len("Participant "):]
        assert participant.isdigit()
        assert 0 <= float(row[column["Grade"]]) <= float(row[column["Maximum Grade"]])
        datetime.datetime.fromisoformat(row[column["Last modified (grade)"]])
        found[participant] = dict(zip(header, row))
    return found


@pytest.mark.needs_sandbox
def test_a_zipped_canvas_download_and_its_grade_import(tmp_path):
    tree = lx.canvas([
        {"name": "Doe, Jane", "user_id": 12345, "files": {NB1: SOLVED}},
        {"name": "王, 小明", "user_id": 23456, "late": True, "files": {NB1: BLANK}},
        {"name": "Lee, Ann", "user_id": 34567, "files": {NB1: BLANK, NB1.replace(".ipynb", "-1.ipynb"): SOLVED}},
    ])
    out = tmp_path / "out"
    run(lx.write(tree, tmp_path / "course-attention submissions", zipped=True), out,
        "--format", "canvas", "--lms-assignment", "Attention (777)")
    rows = grades(out)
    assert rows[("doejane", STEM1)]["score"] == "6" and rows[("doejane", STEM1)]["status"] == "ok"
    assert rows[("王小明", STEM1)]["score"] == "0" and rows[("王小明", STEM1)]["status"] == "ok; marked late by Canvas"
    assert rows[("leeann", STEM1)]["score"] == "6"  # the resubmitted copy, renamed -1 by Canvas
    table = read_csv(out / "grades-canvas.csv")
    assert table[0][5] == "Attention (777)" and table[1][5] == f"{POSSIBLE:g}"
    assert canvas_accepts(table) == {"12345": ("doejane", "6"), "23456": ("王小明", "0"), "34567": ("leeann", "6")}


@pytest.mark.needs_sandbox
def test_renamed_notebooks_are_graded_as_the_course_notebook_and_say_so(tmp_path):
    """A browser's second download is graded as the notebook; beside the original, a copy is only
    an extra file; two copies and no original are neither graded nor dropped: the row names them."""
    copy1, copy2 = NB1.replace(".ipynb", " (1).ipynb"), NB1.replace(".ipynb", "-Copy1.ipynb")
    tree = lx.canvas([
        {"name": "Doe, Jane", "user_id": 1, "files": {copy1: SOLVED}},
        {"name": "Roe, Bob", "user_id": 2, "files": {NB1: SOLVED, copy2: BLANK}},
        {"name": "Li, Bo", "user_id": 3, "files": {copy1: SOLVED, copy2: SOLVED}},
    ])
    out = tmp_path / "out"
    run(lx.write(tree, tmp_path / "export", zipped=True), out)
    rows = grades(out)
    assert (rows[("doejane", STEM1)]["score"], rows[("doejane", STEM1)]["status"]) == (
        "6", f"ok; {say('renamed', file=copy1, name=NB1)}")
    assert (rows[("roebob", STEM1)]["score"], rows[("roebob", STEM1)]["status"]) == ("6", "ok")
    assert rows[("roebob", copy2)]["status"] == say("not-in-assignment")
    assert (rows[("libo", STEM1)]["score"], rows[("libo", STEM1)]["status"]) == (
        "0", say("renamed-ambiguous", count=2, name=NB1, files=sorted([copy1, copy2])))
    assert not any(n in (copy1, copy2) for s, n in rows if s == "libo")  # named on the notebook's row, not graded apart
    for row in rows.values():
        assert_catalogued_text(row["status"])


@pytest.mark.needs_sandbox
def test_an_unzipped_moodle_download_with_a_roster_and_its_grade_import(tmp_path):
    tree = lx.moodle([{"name": "Jane Doe", "participant": 5512, "files": {NB1: SOLVED}},
                      {"name": "李华", "participant": 5513, "files": {NB1: BLANK}}])
    (tmp_path / "roster.csv").write_text("student_id,lms_id,name,email\n"
                                         "s-001,5512,Jane Doe,jane@uni.edu\ns-002,5513,李华,li@uni.edu\n"
                                         "s-003,5514,Absent Student,absent@uni.edu\n", encoding="utf-8")
    out = tmp_path / "out"
    run(lx.write(tree, tmp_path / "download", zipped=False), out, "--roster", tmp_path / "roster.csv",
        "--format", "moodle", "--lms-points", 100)
    rows = grades(out)
    assert rows[("s-001", STEM1)]["score"] == "6" and rows[("s-002", STEM1)]["score"] == "0"
    assert rows[("s-003", STEM1)]["status"] == say("missing")
    worksheet = moodle_accepts(read_csv(out / "grades-moodle.csv"))
    assert {p: (r["Full name"], r["Email address"], r["Grade"], r["Maximum Grade"]) for p, r in worksheet.items()} == {
        "5512": ("Jane Doe", "jane@uni.edu", f"{round(6 / POSSIBLE * 100, 2):g}", "100"), "5513": ("李华", "li@uni.edu", "0", "100"),
        "5514": ("Absent Student", "absent@uni.edu", "0", "100")}
    assert worksheet["5514"]["Status"] == "No submission"
    full2 = sum(e["points"] for e in references.load(hidden=False).exercises_of("02_attention_all_tokens").values())
    assert worksheet["5512"]["Feedback comments"].startswith(f"{STEM1}: 6/6; 02_attention_all_tokens: 0/{full2:g} ({say('missing')})")


@pytest.mark.needs_sandbox
def test_a_blackboard_download(tmp_path):
    tree = lx.blackboard("Chapter3", [
        {"name": "Jane Doe", "username": "jane_doe", "when": "2026-11-24-09-00-00", "files": {NB1: BLANK}},
        {"name": "Jane Doe", "username": "jane_doe", "when": "2026-11-25-10-30-00", "files": {NB1: SOLVED}}])
    out = tmp_path / "out"
    run(lx.write(tree, tmp_path / "gradebook", zipped=True), out)
    row = grades(out)[("jane_doe", STEM1)]
    assert row["score"] == "6" and row["status"] == "ok; 2 attempts handed in: graded the latest (2026-11-25-10-30-00)"


HOSTILE_FILES = ['=HYPERLINK("evil.example","click").ipynb', "+cmd.ipynb", "-1+1.ipynb", "@SUM(A1).ipynb",
                 "[/x].ipynb", "[bold]loud[/bold].ipynb", "\x1b[31mred.ipynb"]


@pytest.fixture(scope="module")
def hostile_class(tmp_path_factory, working_sandbox):
    tmp = tmp_path_factory.mktemp("hostile")
    source = tmp / "class"
    source.mkdir()
    for name, files in [("王小明", {f"ch03/{NB1}": SOLVED}), ("李华", {f"ch03/{NB1}": BLANK}),
                        ("Jane Doe", {f"ch03/{NB1}": SOLVED}), ("Jane_Doe", {f"ch03/{NB1}": BLANK}),
                        ("mallory", {**{f: "{}" for f in HOSTILE_FILES}, f"ch03/{NB1}": SOLVED})]:
        with zipfile.ZipFile(source / f"{name}.zip", "w") as archive:
            for member, content in files.items():
                archive.writestr(member, content)
    (source / "linker" / "ch03").mkdir(parents=True)
    (tmp / "someone-else.ipynb").write_text(SOLVED)
    os.symlink(tmp / "someone-else.ipynb", source / "linker" / "ch03" / NB1)
    out = tmp / "out"
    run(source, out)
    return out


def test_names_in_any_script_are_kept_apart(hostile_class):
    rows = grades(hostile_class)
    assert rows[("王小明", STEM1)]["score"] == "6" and rows[("李华", STEM1)]["score"] == "0"
    warning = "2 hand-ins have the id 'Jane_Doe' (zip Jane Doe, zip Jane_Doe): this one is graded as"
    assert rows[("Jane_Doe", STEM1)]["score"] == "6" and rows[("Jane_Doe-2", STEM1)]["score"] == "0"
    assert rows[("Jane_Doe", STEM1)]["status"] == f"ok; {warning} 'Jane_Doe'"
    assert rows[("Jane_Doe-2", STEM1)]["status"] == f"ok; {warning} 'Jane_Doe-2'"


def test_a_symbolic_link_earns_nothing(hostile_class):
    row = grades(hostile_class)[("linker", STEM1)]
    assert row["score"] == "0" and row["status"] == "symbolic link, not followed"


def test_statuses_of_a_hostile_class_come_from_the_catalogue(hostile_class):
    for row in grades(hostile_class).values():
        assert_catalogued_text(row["status"])


def test_no_cell_of_grades_csv_is_a_formula(hostile_class):
    table = read_csv(hostile_class / "grades.csv")
    notebooks = {row[1] for row in table if row[0] == "mallory"}
    for name in HOSTILE_FILES[:4]:
        assert "'" + name in notebooks  # OWASP: a leading quote makes the cell text
    assert all(not c.startswith(("=", "+", "-", "@", "\t", "\r")) for row in table for c in row)
    text = (hostile_class / "grades.csv").read_text(encoding="utf-8")
    assert text.startswith('"student_id","notebook"')  # every cell quoted


def test_the_summary_prints_markup_and_escapes_literally():
    rows = [Row("[bold]x[/bold]", "[/x]", 0.0, 0.0, "not part of this assignment, ignored"),
            Row("\x1b[31mred", STEM1, 6.0, 6.0, "ok; warning [/nope]"),
            Row("\x1b[31mred", "02_attention_all_tokens", 0.0, 6.0, "missing; warning [/nope]")]
    buffer = io.StringIO()
    print_summary(rows, Console(file=buffer, width=200, color_system=None))
    shown = buffer.getvalue()
    assert "[bold]x[/bold]" in shown and "[/x]" in shown and "\\x1b[31mred" in shown and "\x1b" not in shown
    # what every row of a student says is one warning, not repeated per notebook
    assert shown.count("warning: warning [/nope]") == 1 and "02_attention_all_tokens: missing" in shown
