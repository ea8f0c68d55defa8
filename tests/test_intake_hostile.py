"""Hand-ins that attack intake and the run itself, graded end to end: any bytes as a notebook
give that notebook a status and the run writes every file; reruns show no stale score; a
kill mid-write leaves the previous files whole. An honest student graded after the attackers
on the same (only) worker keeps exactly full marks and `ok`."""
import csv
import os
import pwd
from pathlib import Path

import pytest

from autograde import cli
from autograde.intake.submissions import read_notebook
from autograde.verdict.references import references
from autograde.verdict.statuses import say
from autograde.workers.sandbox import bubblewrap
import example_class as ex

NB1, NB2 = ex.NB1, ex.NB2
STEM1 = NB1[:-6]
VERSION = b'"metadata": {}, "nbformat": 4, "nbformat_minor": 5'

# file content -> the status its notebook gets
MALFORMED = {
    "nested-100000-deep": (b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "unreadable-notebook"),
    "nested-500-deep": (b'{"cells": [], ' + VERSION + b', "x": ' + b"[" * 500 + b"]" * 500 + b"}", "unreadable-notebook"),
    "integer-of-5000-digits": (b'{"cells": [], ' + VERSION + b', "x": 1' + b"0" * 5000 + b"}", "unreadable-notebook"),
    "invalid-utf8": (b'{"cells": ["\xff\xfe"]}', "not-utf8"),
    "json-array": (b"[1, 2, 3]", "no-cells"),
    "json-string": (b'"cells"', "no-cells"),
    "cells-of-wrong-types": (b'{"cells": [1, "x", null, {"cell_type": 5}], ' + VERSION + b"}", "unreadable-notebook"),
    "cells-not-a-list": (b'{"cells": {"0": {}}, ' + VERSION + b"}", "unreadable-notebook"),
    "source-of-numbers": (b'{"cells": [{"cell_type": "code", "source": [1, 2], "metadata": {}}], ' + VERSION + b"}",
                          "unreadable-notebook"),
    "version-of-40-digits": (b'{"cells": [], "nbformat": 1' + b"0" * 40 + b"}", "unreadable-notebook"),
    "version-a-float": (b'{"cells": [], "nbformat": 1e999999}', "unreadable-notebook"),
}


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())


@pytest.mark.parametrize("case", MALFORMED)
def test_any_bytes_read_as_a_notebook_or_a_status(case):
    content, code = MALFORMED[case]
    nb, status = read_notebook(content)
    assert nb is None and status == say(code)


def rows_of(out):
    with (out / "grades.csv").open(encoding="utf-8") as f:
        return {(r["student_id"], r["notebook"]): r for r in csv.DictReader(f)}


def grade_cli(source, out, *extra) -> int:
    sandbox = [] if bubblewrap() else ["--no-sandbox"]
    return cli.main(["grade", str(source), "--out", str(out), "--workers", "1", *sandbox, *extra])


@pytest.mark.grading
def test_no_hand_in_stops_the_run_or_the_rerun(tmp_path):
    """Every malformed notebook in one class, the honest student last (ids sort after them):
    the run ends normally, writes every file, and a rerun goes on the same."""
    students = {f"bad-{case}": {NB1: content} for case, (content, _) in MALFORMED.items()}
    students["zz-honest"] = {NB1: ex.text(ex.solved(NB1))}
    source = ex.write_class(tmp_path / "class", students)
    out = tmp_path / "out"
    for _ in range(2):  # the rerun resumes from the journal and must not die either
        assert grade_cli(source, out) == 0
        rows = rows_of(out)
        for case, (_, code) in MALFORMED.items():
            row = rows[(f"bad-{case}", STEM1)]
            assert (row["status"], row["score"]) == (say(code), "0"), case
        honest = rows[("zz-honest", STEM1)]
        assert (honest["status"], float(honest["score"])) == ("ok", full_marks())
        assert (out / "report.html").exists() and (out / "feedback" / "zz-honest" / f"{STEM1}.html").exists()


def gradebook_score(out, student: str) -> float:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}") as gb:
        return gb.find_submission("ch03", student).score


@pytest.mark.grading
def test_a_rerun_that_cannot_grade_a_student_shows_no_old_score(tmp_path, monkeypatch):
    """ana is graded, then her notebook becomes unreadable, then the machinery fails on her:
    neither rerun leaves the first run's score in grades.csv, the gradebook, her feedback page
    or her autograded notebook; the honest student beside her keeps full marks and `ok`."""
    from autograde.workers.cluster import LocalRunner

    solved = ex.text(ex.solved(NB1))
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: solved}, "zz-honest": {NB1: solved}})
    out = tmp_path / "out"
    page, autograded = out / "feedback" / "ana" / f"{STEM1}.html", out / ".nbgrader" / "autograded" / "ana" / "ch03"
    assert grade_cli(source, out) == 0
    assert float(rows_of(out)[("ana", STEM1)]["score"]) == full_marks() == gradebook_score(out, "ana")
    assert page.exists() and (autograded / NB1).exists()

    (source / "ana" / "ch03" / NB1).write_bytes(MALFORMED["nested-100000-deep"][0])
    assert grade_cli(source, out) == 0
    row = rows_of(out)[("ana", STEM1)]
    assert (row["status"], row["score"]) == (say("unreadable-notebook"), "0")
    assert gradebook_score(out, "ana") == 0 and not page.exists() and not (autograded / NB1).exists()

    (source / "ana" / "ch03" / NB1).write_text(solved + "\n", encoding="utf-8")  # graded again: it changed
    assert grade_cli(source, out) == 0 and gradebook_score(out, "ana") == full_marks()

    def cannot_run(self, request):
        raise RuntimeError("the grading machinery failed")

    monkeypatch.setattr(LocalRunner, "submit", cannot_run)
    (source / "ana" / "ch03" / NB1).write_text(solved + "\n\n", encoding="utf-8")
    assert grade_cli(source, out) == 1  # not graded: the command says so and exits 1
    rows = rows_of(out)
    assert (rows[("ana", STEM1)]["status"], rows[("ana", STEM1)]["score"]) == (say("not-graded"), "0")
    assert gradebook_score(out, "ana") == 0 and not page.exists()
    honest = rows[("zz-honest", STEM1)]
    assert (honest["status"], float(honest["score"])) == ("ok", full_marks()) == ("ok", gradebook_score(out, "zz-honest"))


def test_a_writer_failing_half_way_leaves_the_previous_files_whole(tmp_path, monkeypatch):
    """As a run killed mid-write: grades.csv and the LMS import file keep their previous
    content, and no temporary file is left beside them."""
    from autograde.reports import grades, lms_export
    from autograde.grading.grader import Row
    from autograde.intake.submissions import Handin
    from autograde.intake import lms

    rows = [Row(f"s{i}", STEM1, 1.0, 2.0, "ok") for i in range(50)]
    handins = [Handin(f"s{i}", owner=lms.Owner("moodle", str(100 + i), f"s{i}", NB1)) for i in range(50)]
    grades.write_csv(rows, tmp_path / "grades.csv")
    lms_export.write("moodle", rows, handins, tmp_path, "ch03")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert set(before) == {"grades.csv", "grades-moodle.csv"}

    calls = {"n": 0}
    real_cell = grades.cell

    def failing_cell(text):
        calls["n"] += 1
        if calls["n"] == 60:  # well into the rows: the file has been half written
            raise KeyboardInterrupt("killed")
        return real_cell(text)

    for write in (lambda: grades.write_csv(rows, tmp_path / "grades.csv"),
                  lambda: lms_export.write("moodle", rows, handins, tmp_path, "ch03")):
        calls["n"] = 0
        monkeypatch.setattr(grades, "cell", failing_cell)
        monkeypatch.setattr(lms_export, "cell", failing_cell)
        with pytest.raises(KeyboardInterrupt):
            write()
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


@pytest.mark.grading
def test_a_file_named_for_another_student_is_graded_as_its_uploaders(tmp_path):
    """Moodle: Jane hands in, inside her folder, a folder named like Bob's holding a blank
    notebook, and a file whose name holds Bob's prefix holding a solved one. Bob (graded after
    her, same worker) keeps his own hand-in, full marks and `ok`; Jane's two files are graded as
    hers, under the names they end with, and her rows say so."""
    import lms_exports as lx

    solved = ex.text(ex.solved(NB1))
    folder, flat = f"Bob Roe_5512_assignsubmission_file_/{NB2}", f"x_5512_assignsubmission_file_{NB1}"
    tree = lx.moodle([{"name": "Jane Doe", "participant": 1234, "files": {folder: ex.text(ex.blank(NB2)), flat: solved}},
                      {"name": "Bob Roe", "participant": 5512, "files": {NB1: solved}}])
    source = lx.write(tree, tmp_path / "export", zipped=True)
    out = tmp_path / "out"
    assert grade_cli(source, out, "--format", "moodle") == 0
    rows = rows_of(out)
    bob_named = say("owner-moodle", key="5512")
    claims = [say("claims-other", file=folder, owner=bob_named), say("claims-other", file=flat, owner=bob_named)]
    jane1, jane2 = rows[("Jane_Doe", STEM1)], rows[("Jane_Doe", Path(NB2).stem)]
    for row in (jane1, jane2):
        assert all(claim.en in row["status"] for claim in claims), row
    assert float(jane1["score"]) == full_marks() and float(jane2["score"]) == 0
    assert not any("assignsubmission" in notebook for _, notebook in rows)  # no row for a file under its forged name
    bob = rows[("Bob_Roe", STEM1)]
    assert (bob["status"], float(bob["score"])) == ("ok", full_marks())
    with (out / "grades-moodle.csv").open(encoding="utf-8") as f:
        grades = {r["Identifier"]: r["Grade"] for r in csv.DictReader(f)}
    assert float(grades["Participant 5512"]) == full_marks() and float(grades["Participant 1234"]) == full_marks()


@pytest.mark.grading
def test_a_rerun_nbgrader_fails_on_shows_no_old_score(tmp_path):
    """ana is graded; on the rerun of her changed hand-in (one check now wrong: a new score for an
    exercise) nbgrader's autograde steps fail, the gradebook's database refusing any new score above
    zero, nothing patched: her row says so, and the gradebook and her feedback page no longer show
    the first run's score."""
    from refusing_gradebook import MESSAGE, refuse

    solved = ex.text(ex.solved(NB1))
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: solved}})
    out = tmp_path / "out"
    assert grade_cli(source, out) == 0 and gradebook_score(out, "ana") == full_marks()

    refuse(f"sqlite:///{out / 'gradebook.db'}", "grade", "NEW.auto_score > 0", event="UPDATE OF auto_score")
    (source / "ana" / "ch03" / NB1).write_text(ex.edited(NB1, [("query = inputs[1]", "query = inputs[0]")]), encoding="utf-8")
    assert grade_cli(source, out) == 0
    row = rows_of(out)[("ana", STEM1)]
    assert (row["status"], row["score"]) == (say("nbgrader-failed"), "0")
    assert MESSAGE in (out / "grading.log").read_text(encoding="utf-8")  # the refusal, where the instructor looks
    assert gradebook_score(out, "ana") == 0 and not (out / "feedback" / "ana" / f"{STEM1}.html").exists()


def exchange_collect(kind, tmp_path, exchange, name):
    """nbgrader's collect of ch03 from `exchange` into a course folder `name`, as nbgrader's API runs it."""
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config

    from autograde.grading.nbgrader_api import create_gradebook

    config = Config()
    config.CourseDirectory.root = str(tmp_path / name)
    config.CourseDirectory.course_id = "course"
    config.CourseDirectory.assignment_id = "ch03"
    config.CourseDirectory.db_url = f"sqlite:///{tmp_path / name / 'gradebook.db'}"
    config.Exchange.root = str(exchange)
    (tmp_path / name).mkdir()
    create_gradebook(config.CourseDirectory.db_url)  # collect reads the due date there
    kind(coursedir=CourseDirectory(config=config), config=config).start()
    return tmp_path / name / "submitted"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                    reason="needs root: the hand-ins are folders that other accounts own (chown)")
def test_collect_counts_a_hand_in_only_for_the_account_that_wrote_it(tmp_path):
    """On a shared exchange every student writes into inbound/. Against the victim's own hand-in:
    a later folder in their name by another account; against the instructor's files: a link, a
    hard link, a linked folder (collect copies with the instructor's rights)."""
    from nbgrader.exchange.default.collect import ExchangeCollect

    from autograde.intake.exchange import OwnerCheckedCollect

    try:
        victim, attacker = pwd.getpwnam("nobody"), pwd.getpwnam("daemon")
    except KeyError:
        pytest.skip("needs the accounts nobody and daemon")
    solutions = tmp_path / "solutions.ipynb"  # the instructor's: root's, readable by root only
    solutions.write_text("the instructor's solutions")
    solutions.chmod(0o600)
    inbound = tmp_path / "exchange" / "course" / "inbound"
    inbound.mkdir(parents=True)

    def hand_in(student, hour, by, files):
        folder = inbound / f"{student.pw_name}+ch03+2026-12-05 {hour:02d}:00:00.000000 UTC+r{hour}"
        folder.mkdir()
        for name, make in files.items():
            make(folder / name)
        for path in [folder, *folder.iterdir()]:
            if path.lstat().st_nlink == 1 or path == folder:  # a hard link stays its file's owner's
                os.lchown(path, by.pw_uid, by.pw_gid)
        return folder

    text = lambda content: lambda path: path.write_text(content)
    hand_in(victim, 9, victim, {NB1: text("the victim's own")})
    hand_in(victim, 10, attacker, {NB1: text("forged")})  # the attacker's folder, in the victim's name
    hand_in(attacker, 9, attacker, {NB1: text("the attacker's own")})
    hand_in(attacker, 10, attacker, {NB1: lambda path: path.symlink_to(solutions)})
    hand_in(attacker, 11, attacker, {NB1: lambda path: os.link(solutions, path)})
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / NB1).write_text("through a linked folder")
    (inbound / f"{attacker.pw_name}+ch03+2026-12-05 12:00:00.000000 UTC+r12").symlink_to(linked)
    os.lchown(inbound / f"{attacker.pw_name}+ch03+2026-12-05 12:00:00.000000 UTC+r12", attacker.pw_uid, attacker.pw_gid)

    def collected(submitted):
        return {s: (submitted / s / "ch03" / NB1).read_text() for s in (victim.pw_name, attacker.pw_name)}

    # stock nbgrader: the attacks work (it only warns), which is what the test guards against
    stock = collected(exchange_collect(ExchangeCollect, tmp_path, tmp_path / "exchange", "stock"))
    assert stock == {victim.pw_name: "forged", attacker.pw_name: "through a linked folder"}
    checked = collected(exchange_collect(OwnerCheckedCollect, tmp_path, tmp_path / "exchange", "checked"))
    assert checked == {victim.pw_name: "the victim's own", attacker.pw_name: "the attacker's own"}
