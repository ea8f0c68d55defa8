"""`autograde export`: grades.csv, totals.csv and the LMS file rebuilt from the gradebook (a score
changed in formgrader flows through, and a rerun of `grade` keeps it); the late policy (a due
date, a penalty rule, a student's extension) applied to scores and shown in each file; and
`--missing blank`. One small Canvas class is graded once for the module (three hand-ins of one
notebook, one worker); the rules themselves are tested without grading."""
import csv
import datetime
import shutil
import zipfile
from pathlib import Path

import pytest

import example_class as ex
import lms_exports as lx
from autograde import cli
from autograde.errors import UsageError
from autograde.grading.grader import Row
from autograde.intake import archive, roster
from autograde.intake.submissions import Handin, handed_in_at
from autograde.reports import export, late, lms_export, returns
from autograde.verdict import statuses
from autograde.verdict.statuses import say
from catalogued import assert_catalogued_text

NB1, STEM1 = ex.NB1, ex.NB1[:-6]
SOLVED = ex.text(ex.solved(NB1))
DUE = "2026-12-01T23:59"
# user id -> (sortable name, when the file was handed in, as the zip says)
CLASS = {1: ("Doe, Jane", (2026, 11, 30, 12, 0, 0)),  # on time
         2: ("Roe, Bob", (2026, 12, 2, 13, 0, 0)),  # 13 h 1 min late: one started day, 10%
         3: ("Li, Ann", (2026, 12, 3, 10, 0, 0))}  # late by the due date, not with her 3-day extension
ROSTER = ("student_id,lms_id,name,extension\njane,1,\"Doe, Jane\",\nbob,2,\"Roe, Bob\",\nann,3,\"Li, Ann\",3d\n"
          "absent,4,\"Gone, Al\",\n")


def read(path):
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def by_student(path):
    return {r["student_id"]: r for r in read(path)}


def canvas_scores(path):
    with path.open(encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    assert table[1][0] == "Points Possible"
    return {row[1]: row[5] for row in table[2:]}


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("late")
    tree = lx.canvas([{"name": name, "user_id": uid, "files": {NB1: SOLVED}} for uid, (name, _) in CLASS.items()])
    source = tmp / "submissions.zip"
    with zipfile.ZipFile(source, "w") as z:
        for member, content in tree.items():
            uid = int(member.split("_")[1])  # {sortable name}_{user id}_{attachment id}_{file}
            z.writestr(zipfile.ZipInfo(member, date_time=CLASS[uid][1]), content)
    (tmp / "roster.csv").write_text(ROSTER, encoding="utf-8")
    out = tmp / "out"
    assert cli.main(["grade", str(source), "--out", str(out), "--timeout", "10", "--workers", "1",
                     "--roster", str(tmp / "roster.csv"), "--format", "canvas", "--due", DUE,
                     "--late-penalty", "10%/day", "--missing", "blank"]) == 0
    return out


def late_note(seconds: float, percent: str) -> str:
    return say("late-penalty", late=late.lateness(seconds), due="2026-12-01 23:59 UTC", rule="10%/day", percent=percent)


@pytest.mark.grading
def test_a_late_hand_in_loses_the_policy_s_share_everywhere(late_class):
    """bob is 13 h 1 min late: 10% off, said in grades.csv, totals.csv, the Canvas file and the
    report; ann is as late but has a 3-day extension in the roster; absent is blank in Canvas."""
    rows = {(r["student_id"], r["notebook"]): r for r in read(late_class / "grades.csv")}
    bob = rows[("bob", STEM1)]
    assert float(bob["score"]) == pytest.approx(5.4) and float(bob["late_penalty"]) == pytest.approx(0.6)
    assert float(bob["hours_late"]) == pytest.approx(13 + 1 / 60, abs=0.01)
    assert bob["status"] == f"ok; {late_note(13 * 3600 + 60, '10')}"
    assert_catalogued_text(bob["status"])
    for student in ("jane", "ann"):
        assert (rows[(student, STEM1)]["score"], rows[(student, STEM1)]["status"], rows[(student, STEM1)]["hours_late"]) == (
            "6", "ok", "0")
    totals = by_student(late_class / "totals.csv")
    assert float(totals["bob"]["score"]) == pytest.approx(5.4) and totals["jane"]["score"] == "6"
    assert totals["absent"]["score"] == "0"
    assert canvas_scores(late_class / "grades-canvas.csv") == {"1": "6", "2": "5.4", "3": "6", "4": ""}
    assert bob["status"].split("; ")[1] in (late_class / "report.html").read_text(encoding="utf-8")
    from nbgrader.api import Gradebook  # nbgrader's own record of the penalty: formgrader shows it

    with Gradebook(export.default_db(late_class)) as gb:
        assert gb.find_submission_notebook(STEM1, "ch03", "bob").late_submission_penalty == pytest.approx(0.6)
        assert gb.find_submission("ch03", "ann").extension == datetime.timedelta(days=3)


@pytest.mark.grading
def test_formgrader_s_config_names_the_run_s_course_folder_and_gradebook(late_class):
    from traitlets.config import Config

    config = Config()
    exec((late_class / export.FORMGRADER_CONFIG).read_text(encoding="utf-8"), {"get_config": lambda: config})
    root = Path(config.CourseDirectory.root)
    assert root == (late_class / ".nbgrader").resolve() and config.CourseDirectory.db_url == export.default_db(late_class)
    assert (root / config.CourseDirectory.autograded_directory / "bob" / "ch03" / NB1).is_file()  # what formgrader opens


@pytest.mark.grading
def test_a_score_changed_in_formgrader_reaches_every_file_and_survives_a_rerun(late_class, tmp_path):
    """A manual score set through nbgrader's Gradebook API (as formgrader sets it) is in
    grades.csv, totals.csv and the Canvas file after `export`, with a status that says so; reruns
    of `grade` on the same hand-ins keep it, and keep the late policy and --missing they were not
    given again (the due date stays in the gradebook)."""
    from nbgrader.api import Gradebook

    out = tmp_path / "out"
    shutil.copytree(late_class, out)
    with Gradebook(export.default_db(out)) as gb:
        cell = gb.find_notebook(STEM1, "ch03").grade_cells[0]
        grade = gb.find_grade(cell.name, STEM1, "ch03", "jane")
        possible = cell.max_score
        assert grade.auto_score == possible > 0.5
        grade.manual_score = 0.5
        gb.db.commit()
    expected = 6 - possible + 0.5
    exported = export.export(out)
    reviewed = say("reviewed", score=f"{expected:g}", auto="6")
    jane = {r["notebook"]: r for r in read(out / "grades.csv") if r["student_id"] == "jane"}[STEM1]
    assert (float(jane["score"]), jane["status"]) == (expected, f"ok; {reviewed}")
    assert float(by_student(out / "totals.csv")["jane"]["score"]) == expected
    assert canvas_scores(exported.files["canvas"])["1"] == f"{expected:g}"
    assert export.export(out).rows == exported.rows  # exporting again adds nothing twice
    # the first rerun grades every hand-in again (the copy's gradebook path is part of the resume
    # key): nbgrader keeps the manual score over the new autograder score; the second reuses them
    for _ in range(2):
        assert cli.main(["grade", str(late_class.parent / "submissions.zip"), "--out", str(out), "--timeout", "10",
                         "--workers", "1", "--roster", str(late_class.parent / "roster.csv"), "--format", "canvas"]) == 0
        jane = {r["notebook"]: r for r in read(out / "grades.csv") if r["student_id"] == "jane"}[STEM1]
        assert (float(jane["score"]), jane["status"]) == (expected, f"ok; {reviewed}")
        assert canvas_scores(out / "grades-canvas.csv") == {"1": f"{expected:g}", "2": "5.4", "3": "6", "4": ""}


@pytest.mark.grading
def test_export_changes_the_policy_and_keeps_it(late_class, tmp_path):
    """`export --late-penalty zero --missing zero` after grading: bob scores 0, absent 0 in the
    Canvas file; the next plain export keeps that policy."""
    out = tmp_path / "out"
    shutil.copytree(late_class, out)
    export.export(out, late_penalty="zero", missing="zero")
    assert canvas_scores(out / "grades-canvas.csv") == {"1": "6", "2": "0", "3": "6", "4": "0"}
    assert export.export(out).rows[0].student_id == "absent"
    assert canvas_scores(out / "grades-canvas.csv")["2"] == "0"


def test_the_penalty_rules():
    rule = late.parse("10%/day")
    assert [rule.share(s) for s in (0, -5, 1, 86400, 86401, 20 * 86400)] == pytest.approx([0, 0, 0.1, 0.1, 0.2, 1.0])
    both = late.parse("10%/day, zero-after=3d")
    assert [both.share(s) for s in (1, 3 * 86400, 3 * 86400 + 1)] == pytest.approx([0.1, 0.3, 1.0])
    assert late.parse("zero").share(1) == 1.0 and late.parse("zero").share(0) == 0.0
    assert late.parse(None).share(10**9) == 0.0
    for bad in ("10%", "ten%/day", "150%/day", "zero-after=x"):
        with pytest.raises(UsageError):
            late.parse(bad)
    assert late.parse_due("2026-12-01T23:59+08:00") == datetime.datetime(2026, 12, 1, 15, 59)
    assert late.lateness(13 * 3600 + 60) == "13 h 1 min" and late.lateness(86400 + 1) == "1 day 1 min"


def test_a_roster_gives_extensions_in_days_or_hours(tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("student_id,lms_id,name,extension\na,1,A,2\nb,2,B,36h\nc,3,C,\nd,4,D,1.5 days\n", encoding="utf-8")
    assert [s.extension for s in roster.load(path).students] == [
        datetime.timedelta(days=2), datetime.timedelta(hours=36), None, datetime.timedelta(days=1.5)]
    path.write_text("student_id,extension\na,next week\n", encoding="utf-8")
    with pytest.raises(UsageError, match="line 2: extension 'next week'"):
        roster.load(path)


def test_the_hand_in_time_comes_from_nbgrader_blackboard_or_the_files(tmp_path):
    from autograde.intake import lms

    stamp = tmp_path / "timestamp.txt"
    stamp.write_text("2026-11-25 10:30:00.000000 UTC")
    [entry] = archive.walk(stamp)
    folder = lms.Owner("folder", "jane", "jane", NB1)
    assert handed_in_at(folder, [], entry) == datetime.datetime(2026, 11, 25, 10, 30)
    inbound = lms.Owner("nbgrader", "jane", "jane", NB1, attempt="2026-11-26 08:00:00.5 UTC")
    assert handed_in_at(inbound, []) == datetime.datetime(2026, 11, 26, 8, 0, 0, 500000)
    board = lms.Owner("blackboard", "jdoe", "jdoe", NB1, attempt="2026-11-25-10-30-00")
    assert handed_in_at(board, []) == datetime.datetime(2026, 11, 25, 10, 30)
    with zipfile.ZipFile(tmp_path / "x.zip", "w") as z:
        z.writestr(zipfile.ZipInfo("a", date_time=(2026, 12, 2, 13, 0, 0)), "1")
        z.writestr(zipfile.ZipInfo("b", date_time=(2026, 12, 1, 9, 0, 0)), "2")
    canvas = lms.Owner("canvas", "2", "roebob", NB1)
    assert handed_in_at(canvas, list(archive.walk(tmp_path / "x.zip"))) == datetime.datetime(2026, 12, 2, 13, 0)


def test_the_moodle_comment_says_how_late_and_missing_blank_leaves_the_grade_empty(tmp_path):
    note = late_note(90000, "20")
    rows = [Row("bob", STEM1, 4.8, 6.0, f"ok; {note}", late_penalty=1.2, hours_late=25),
            Row("al", STEM1, 0.0, 6.0, say("missing"))]
    handins = [Handin("bob", student=roster.Student("bob", "55")), Handin("al", student=roster.Student("al", "56"))]
    written = lms_export.write("moodle", rows, handins, tmp_path, "ch03", missing="blank")
    sheet = {r["Identifier"]: r for r in read(written.path)}
    assert sheet["Participant 55"]["Grade"] == "4.8" and note in sheet["Participant 55"]["Feedback comments"]
    assert sheet["Participant 56"]["Grade"] == ""
    assert lms_export.write("moodle", rows, handins, tmp_path, "ch03").written == 2
    assert {r["Identifier"]: r["Grade"] for r in read(written.path)}["Participant 56"] == "0"


def test_an_export_replaces_its_own_status_parts():
    note = late_note(60, "10")
    assert statuses.without(f"ok; marked late by Canvas; {note}", export.OURS) == "ok; marked late by Canvas"
    assert statuses.without(say("reviewed", score=1, auto=2), export.OURS) == "ok"


# ---------------------------------------------------------------- feedback back to students

@pytest.mark.grading
def test_canvas_feedback_zip_names_each_student_s_submission(late_class):
    """Canvas's Re-Upload Submissions reads a file's first two all-digit `_` parts as the user id
    and a file of that user's submission (canvas-lms Assignment#infer_comment_context_from_filename)."""
    attachments = {1: 67891, 2: 67892, 3: 67893}  # lx.canvas numbers the files in order from 67891
    with zipfile.ZipFile(late_class / returns.ZIPS["canvas"]) as z:
        names = sorted(z.namelist())
        assert names == sorted(f"feedback_{uid}_{attachments[uid]}_{STEM1}-feedback.html" for uid in CLASS)
        for name in names:
            user_id, attachment_id = [part for part in name.split("_") if part.isdigit()][:2]
            student = {"1": "jane", "2": "bob", "3": "ann"}[user_id]
            assert int(attachment_id) == attachments[int(user_id)]
            assert z.read(name) == (late_class / "feedback" / student / f"{STEM1}.html").read_bytes()
    assert not (late_class / returns.NBGRADER_FEEDBACK).exists()  # no hand-in came through nbgrader's exchange


def feedback_folder(tmp_path, students):
    out = tmp_path / "graded"
    for student in students:
        (out / "feedback" / student).mkdir(parents=True)
        for stem in (STEM1, "02_attention_all_tokens"):
            (out / "feedback" / student / f"{stem}.html").write_text(f"<p>{student} {stem}</p>", encoding="utf-8")
    return out


def test_nbgrader_release_feedback_publishes_the_pages_under_the_student_s_secret(tmp_path):
    """The hand-in's submission_secret.txt and time are read from nbgrader's inbound folder;
    nbgrader's own release_feedback then puts each page in the exchange under the hash the
    student's fetch_feedback looks for."""
    from nbgrader.utils import notebook_hash

    from autograde.grading.nbgrader_api import api
    from autograde.intake.submissions import collect

    secret = "ab12" * 32
    tree = lx.nbgrader_inbound("ch03", [{"student": "jdoe", "when": "2026-11-25 10:30:00.000000 UTC", "files": {NB1: SOLVED}}])
    folder = next(iter(tree)).split("/")[0]
    tree[f"{folder}/submission_secret.txt"] = secret
    [handin] = collect(lx.write(tree, tmp_path / "inbound", zipped=False), "ch03")
    assert (handin.secret, handin.submitted) == (secret, datetime.datetime(2026, 11, 25, 10, 30))
    assert set(handin.files) == {NB1} and not handin.problems  # nbgrader's files are no row of anyone's
    out = feedback_folder(tmp_path, ["jdoe", "nosecret"])
    written = returns.write_nbgrader(out, "ch03", [handin, Handin("nosecret")])
    assert written == [out / returns.NBGRADER_FEEDBACK / "jdoe" / "ch03"]
    assert sorted(p.name for p in written[0].iterdir()) == sorted(
        [f"{STEM1}.html", "02_attention_all_tokens.html", "timestamp.txt", "submission_secret.txt"])
    assert (written[0] / "timestamp.txt").read_text() == "2026-11-25 10:30:00.000000 UTC"
    nbgrader = api(out / ".nbgrader", export.default_db(out))  # the run's course folder; its exchange beside it
    exchange = Path(nbgrader.config.Exchange.root)
    result = nbgrader.release_feedback("ch03")
    assert result["success"], result
    course_id = nbgrader.coursedir.course_id
    for stem in (STEM1, "02_attention_all_tokens"):
        published = exchange / course_id / "feedback" / f"{notebook_hash(secret=secret, notebook_id=stem)}.html"
        assert published.read_text(encoding="utf-8") == f"<p>jdoe {stem}</p>"


def test_moodle_feedback_zip_folders_are_named_as_its_download_and_the_comment_names_the_pages(tmp_path):
    out = feedback_folder(tmp_path, ["s_001", "s-002", "nobody"])
    handins = [Handin("s_001", student=roster.Student("s_001", "5512")), Handin("s-002", student=roster.Student("s-002", "5513")),
               Handin("nobody")]
    path, named = returns.write_lms("moodle", out, handins)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == sorted(f"{label}_{pid}_assignsubmission_file_/{stem}-feedback.html"
                                              for label, pid in (("s 001", 5512), ("s-002", 5513))
                                              for stem in (STEM1, "02_attention_all_tokens"))
    for name in z.namelist():  # Moodle: explode('_', folder, 5): [1] is the participant id, [2] and [3] the plugin
        info = name.split("/")[0].split("_", 4)
        assert info[1].isdigit() and info[2:4] == ["assignsubmission", "file"]
    rows = [Row("s_001", STEM1, 6.0, 6.0, "ok")]
    written = lms_export.write("moodle", rows, handins[:1], out, "ch03", feedback=named)
    comment = read(written.path)[0]["Feedback comments"]
    assert comment == f"{STEM1}: 6/6; feedback files: {STEM1}-feedback.html, 02_attention_all_tokens-feedback.html"


def test_a_zip_a_student_made_inside_the_download_cannot_backdate_the_hand_in(tmp_path):
    """A Canvas student hands in a zip whose notebook is dated a year early: the time is the one
    Canvas's download gives the zip, zipped or unzipped; a folder of zips the students made has
    no time at all (never late)."""
    from autograde.intake.submissions import collect

    inner = tmp_path / "inner.zip"
    with zipfile.ZipFile(inner, "w") as z:
        z.writestr(zipfile.ZipInfo(f"work/{NB1}", date_time=(2025, 1, 1, 0, 0, 0)), SOLVED)
    download = tmp_path / "download.zip"
    with zipfile.ZipFile(download, "w") as z:
        z.writestr(zipfile.ZipInfo("roebob_2_67891_work.zip", date_time=(2026, 12, 2, 13, 0, 0)), inner.read_bytes())
    [bob] = collect(download, "ch03")
    assert set(bob.files) == {NB1} and bob.submitted == datetime.datetime(2026, 12, 2, 13, 0)
    unzipped = tmp_path / "unzipped"
    unzipped.mkdir()
    (unzipped / "roebob_2_67891_work.zip").write_bytes(inner.read_bytes())
    stamp = datetime.datetime(2026, 12, 2, 13, 0, tzinfo=datetime.timezone.utc).timestamp()
    import os

    os.utime(unzipped / "roebob_2_67891_work.zip", (stamp, stamp))
    [bob] = collect(unzipped, "ch03")
    assert bob.submitted == datetime.datetime(2026, 12, 2, 13, 0)
    own = tmp_path / "zips"
    own.mkdir()
    (own / "bob.zip").write_bytes(inner.read_bytes())
    [bob] = collect(own, "ch03")
    assert set(bob.files) == {NB1} and bob.submitted is None


def test_export_on_a_folder_that_is_not_a_grading_output_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["export", str(tmp_path)])
    assert stopped.value.code == 2 and "is not a grading output folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stopped:
        cli.main(["export", str(tmp_path), "--late-penalty", "5%/week"])
    assert stopped.value.code == 2 and "expected none, P%/day" in capsys.readouterr().err
