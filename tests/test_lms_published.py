"""LMS downloads as others publish them, not as this project's own builders (lms_exports.py)
read its parser: each listing below is copied from a source outside this project, cited beside
it, with only the contents made up (and, where the listing names its own notebooks, the course's
notebooks inside the student's zip). Each must read as the right students with the right
notebooks, zipped as the LMS hands it out and unzipped."""
from __future__ import annotations


import pytest

import lms_exports as lx
from autograde.intake.submissions import collect

NB1, NB2 = "01_attention_without_weights.ipynb", "02_attention_all_tokens.ipynb"


def read(tree: dict, tmp_path, as_zip: bool) -> dict:
    """{student id: (LMS, its key for them, {file name: content}, notes)}."""
    return {h.student_id: (h.owner.lms, h.owner.key, {n: h.files[n] for n in sorted(h.files)}, [str(n) for n in h.notes])
            for h in collect(lx.write(tree, tmp_path / "download", as_zip))}


@pytest.mark.parametrize("as_zip", [False, True], ids=["unzipped", "zipped"])
def test_canvas_listing_from_canvas_unzipper(tmp_path, as_zip):
    # The listing of a Canvas "Download Submissions" zip in mikewesthad/canvas-unzipper, README.md
    # (https://github.com/mikewesthad/canvas-unzipper): {name}_{user id}_{attachment id}_{file}, each
    # student's work a zip of their own beside screenshots.
    tree = {
        "smithbob_340934_208490284_BobsWork.zip": lx.zip_bytes({NB1: "bob's one"}),
        "smithbob_340934_208490284_BobsScreenshot.png": "png",
        "wellslane_334244_394803489_MyAssignment.zip": lx.zip_bytes({f"MyAssignment/{NB1}": "lane's one",
                                                               f"MyAssignment/{NB2}": "lane's two"}),
        "wellslane_334244_394803489_MyAssignment.png": "png",
        "wellslane_334244_394803489_MyAssignment1.png": "png",
        "wellslane_334244_394803489_MyAssignment2.png": "png",
    }
    found = read(tree, tmp_path, as_zip)
    assert set(found) == {"smithbob", "wellslane"}
    assert found["smithbob"][:2] == ("canvas", "340934") and found["smithbob"][2][NB1] == b"bob's one"
    assert found["wellslane"][:2] == ("canvas", "334244")
    assert (found["wellslane"][2][NB1], found["wellslane"][2][NB2]) == (b"lane's one", b"lane's two")
    assert found["smithbob"][3] == found["wellslane"][3] == []


@pytest.mark.parametrize("as_zip", [False, True], ids=["unzipped", "zipped"])
def test_canvas_late_listing(tmp_path, as_zip):
    # Canvas's late marker between the name and the user id, as HCI-Data-Analysis/HCI-data-analysis
    # scripts/convert_zip_file/convert_zip_file_id.md lists the names it reads:
    # name_canvasid_number_assignment.zip and name_LATE_canvasid_number_assignment.zip
    tree = {"doejane_LATE_123456_7890123_assignment.zip": lx.zip_bytes({NB1: "late one"}),
            "leeann_234567_7890124_assignment.zip": lx.zip_bytes({NB1: "on time"})}
    found = read(tree, tmp_path, as_zip)
    assert found["doejane"][:3] == ("canvas", "123456", {NB1: b"late one"})
    assert found["doejane"][3] == ["marked late by Canvas"]
    assert found["leeann"][:4] == ("canvas", "234567", {NB1: b"on time"}, [])


@pytest.mark.parametrize("as_zip", [False, True], ids=["unzipped", "zipped"])
def test_moodle_listing_from_moodles_own_code(tmp_path, as_zip):
    # Moodle's "Download all submissions" (moodle/moodle, mod/assign/locallib.php, download_submissions,
    # commit 001d5a034c42a218c3d386c2da01ad38ba843966): each file is
    # clean_filename(str_replace('_', ' ', fullname) . "_" . uniqueid . "_") . subtype . "_" . type . "_" . filename,
    # "Participant" in place of the name under blind marking. Since MDL-62831 (moodle/moodle commit
    # 381bb721538cbba98ac84447a6da22fdb4dc94a2, string downloadasfolders) the same prefix is a folder
    # per student instead, "files are not renamed" inside it.
    tree = {
        f"Jane Doe_12345_assignsubmission_file_{NB1}": "jane's one",
        f"Jane Doe_12345_assignsubmission_file_{NB2}": "jane's two",
        f"Mary Ann Lee_12346_assignsubmission_file_{NB1}": "mary's one",  # "Mary_Ann Lee": _ became a space
        "Mary Ann Lee_12346_assignsubmission_onlinetext_onlinetext.html": "<p>see my notebook</p>",
        f"Participant_1234567_assignsubmission_file_{NB1}": "anonymous one",
        f"Participant_1234568_assignsubmission_file_{NB1}": "anonymous two",
        f"Wei Zhang_12347_assignsubmission_file_/{NB1}": "wei's one",  # downloaded in folders
        f"Wei Zhang_12347_assignsubmission_file_/ch03/{NB2}": "wei's two",
    }
    found = read(tree, tmp_path, as_zip)
    assert set(found) == {"Jane_Doe", "Mary_Ann_Lee", "Participant", "Participant-2", "Wei_Zhang"}
    assert found["Jane_Doe"][:3] == ("moodle", "12345", {NB1: b"jane's one", NB2: b"jane's two"})
    assert found["Mary_Ann_Lee"][:2] == ("moodle", "12346") and found["Mary_Ann_Lee"][2][NB1] == b"mary's one"
    assert found["Wei_Zhang"][:3] == ("moodle", "12347", {NB1: b"wei's one", NB2: b"wei's two"})
    # blind marking: one name for all, told apart by the participant id, each file its own uploader's
    assert {found[s][1]: found[s][2][NB1] for s in ("Participant", "Participant-2")} == {
        "1234567": b"anonymous one", "1234568": b"anonymous two"}
    assert all("2 hand-ins have the id 'Participant'" in found[s][3][0] for s in ("Participant", "Participant-2"))


def test_blackboard_listing_from_nbgraders_documentation(tmp_path):
    # nbgrader's ZipCollectApp documentation (jupyter/nbgrader,
    # nbgrader/docs/source/user_guide/managing_assignment_files_manually.ipynb, and the download it
    # collects, nbgrader/docs/source/user_guide/downloaded/ps1/archive/): a loose file, a loose
    # attempt, and notebooks.zip holding two students' attempts, {assignment}_{user}_attempt_{time}_{file}.
    inner = {
        "ps1_bitdiddle_attempt_2016-01-30-15-30-10_jupyter.png": "png",
        "ps1_bitdiddle_attempt_2016-01-30-15-30-10_problem1.ipynb": "bitdiddle's problem1",
        "ps1_bitdiddle_attempt_2016-01-30-15-30-10_problem2.ipynb": "bitdiddle's problem2",
        "ps1_hacker_attempt_2016-01-30-16-30-10_jupyter.png": "png",
        "ps1_hacker_attempt_2016-01-30-16-30-10_myproblem1.ipynb": "hacker's misnamed problem1",
        "ps1_hacker_attempt_2016-01-30-16-30-10_problem2.ipynb": "hacker's earlier problem2",
    }
    tree = {"archive/jupyter.png": "png", "archive/notebooks.zip": lx.zip_bytes(inner),
            "archive/ps1_hacker_attempt_2016-01-30-20-30-10_problem1.ipynb": "hacker's latest problem1"}
    intake = collect(lx.write(tree, tmp_path / "downloaded" / "ps1", zipped=False))
    found = {h.student_id: (h.owner.lms, h.owner.key, {n: h.files[n] for n in sorted(h.files)}, [str(n) for n in h.notes])
             for h in intake}
    assert set(found) == {"bitdiddle", "hacker"}
    assert found["bitdiddle"][:3] == ("blackboard", "bitdiddle", {
        "jupyter.png": b"png", "problem1.ipynb": b"bitdiddle's problem1", "problem2.ipynb": b"bitdiddle's problem2"})
    # a Blackboard attempt is the whole hand-in: the latest one alone is graded (nbgrader's
    # zip_collect would take problem2 from the earlier attempt too), and the row says so
    assert found["hacker"][:3] == ("blackboard", "hacker", {"problem1.ipynb": b"hacker's latest problem1"})
    assert found["hacker"][3] == ["2 attempts handed in: graded the latest (2016-01-30-20-30-10)"]
    assert intake.unrecognised == ["archive/jupyter.png"]  # the instructor's own file, nobody's hand-in
