"""Reading hand-ins, the statuses no other test reaches: a zip that does not open, a folder or a
file the system will not read (and why, in the catalogue's words), copies with no upload order,
both caps at once, and every LMS's name for a student who is not on the roster."""
import errno
import os
import zipfile

import pytest

import lms_exports as lx
from autograde.intake import roster as roster_module
from autograde.intake import submissions
from autograde.intake.archive import UnreadableEntry
from autograde.intake.submissions import collect

NB1, NB2 = "01_attention_without_weights.ipynb", "02_attention_all_tokens.ipynb"
GONE, OS = "it disappeared while being read", "the operating system could not read it"


def summary(intake):
    """{student id: (sorted graded file names, problems, notes)} of an intake."""
    return {h.student_id: (sorted(h.files), h.problems, h.notes) for h in intake}


def test_a_damaged_zip_is_a_status_and_the_class_is_still_read(tmp_path):
    (tmp_path / "amy.zip").write_bytes(b"PK\x03\x04" + b"not a zip after its first four bytes")
    lx.write({f"bo/ch03/{NB1}": "bo's"}, tmp_path, zipped=False)
    found = summary(collect(tmp_path))
    assert found["amy"] == ([], {"amy.zip": "not a readable zip (damaged, or not a zip at all)"}, [])
    assert found["amy"][1]["amy.zip"].code == "bad-zip" and found["bo"] == ([NB1], {}, [])


@pytest.mark.parametrize("error, code, reason", [(errno.ENOENT, "reason-gone", GONE), (errno.EIO, "reason-os", OS)])
def test_a_folder_the_system_will_not_list_says_why_in_the_catalogue_s_words(tmp_path, monkeypatch, error, code, reason):
    lx.write({f"amy/ch03/{NB1}": "amy's", f"bo/ch03/{NB1}": "bo's"}, tmp_path, zipped=False)
    listing, refused = os.scandir, str(tmp_path / "amy" / "ch03")

    def scandir(path):
        if str(path) == refused:
            raise OSError(error, os.strerror(error), refused)
        return listing(path)

    monkeypatch.setattr(os, "scandir", scandir)
    found = summary(collect(tmp_path))
    problem = found["amy"][1]["ch03"]
    assert problem == f"unreadable folder ({reason})" and problem.code == "unreadable-folder"
    assert os.strerror(error) not in problem and os.strerror(error) not in problem.zh
    assert found["bo"] == ([NB1], {}, [])


def test_a_file_gone_or_refused_when_it_is_read_says_why(tmp_path, monkeypatch):
    lx.write({f"amy/ch03/{NB1}": "amy's", f"amy/ch03/{NB2}": "amy's"}, tmp_path, zipped=False)
    [handin] = collect(tmp_path)
    (tmp_path / "amy" / "ch03" / NB1).unlink()  # between listing and grading: a real ENOENT
    with pytest.raises(UnreadableEntry) as gone:
        handin.files[NB1]
    assert gone.value.message == f"unreadable file ({GONE})"

    def refuse(*args, **kwargs):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(UnreadableEntry) as refused:
        handin.files[NB2]
    assert refused.value.message == f"unreadable file ({OS})" and "Input/output" not in refused.value.message.zh


def test_copies_with_no_upload_order_grade_the_first(tmp_path):
    """Moodle keeps no upload order for a student's files: of two copies of a notebook (one in a
    subfolder), the first listed is graded, and the status says which."""
    tree = lx.moodle([{"name": "Jane Doe", "participant": 12345, "files": {NB1: "first", f"sub/{NB1}": "second"}}])
    [handin] = collect(lx.write(tree, tmp_path / "export", zipped=False))
    assert handin.files[NB1] == b"first"
    assert handin.notes == [f"{NB1}: 2 copies handed in, graded the first"] and handin.notes[0].code == "copies-first"


def test_both_caps_at_once_are_said_in_one_status(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_HANDIN_BYTES", 2**20)
    with zipfile.ZipFile(tmp_path / "amy.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NB1, "one")
        archive.writestr("video.mp4", bytes(3 * 2**20))
        for i in range(submissions.MAX_HANDIN_FILES):
            archive.writestr(f"junk/{i}.txt", "x")
    [(student, (files, problems, notes))] = summary(collect(tmp_path)).items()
    assert files == [NB1] and notes == [
        f"{submissions.MAX_HANDIN_FILES + 2} files handed in, more than the {submissions.MAX_HANDIN_FILES} allowed and "
        "3 MiB handed in (uncompressed), more than the 1 MiB allowed: only the assignment's notebooks were read"]
    assert notes[0].code == "over-files-and-bytes"


@pytest.mark.parametrize("tree, en, zh", [
    (lx.moodle([{"name": "Jane Doe", "participant": 12345, "files": {NB1: "x"}}]),
     "Moodle participant 12345", "Moodle 参与者 12345"),
    (lx.blackboard("Chapter3", [{"name": "Jane Doe", "username": "jane_doe", "when": "2026-11-24-09-00-00", "files": {NB1: "x"}}]),
     "Blackboard user jane_doe", "Blackboard 用户 jane_doe"),
    (lx.nbgrader_inbound("ch03", [{"student": "jdoe", "when": "2026-11-24 09:00:00.000000 UTC", "files": {NB1: "x"}}]),
     "nbgrader student jdoe", "nbgrader 学生 jdoe"),
], ids=["moodle", "blackboard", "nbgrader"])
def test_each_lms_names_a_student_missing_from_the_roster_its_own_way(tmp_path, tree, en, zh):
    (tmp_path / "roster.csv").write_text("student_id,lms_id,name\ns001,1,Nobody\n", encoding="utf-8")
    intake = collect(lx.write(tree, tmp_path / "export", zipped=False), roster=roster_module.load(tmp_path / "roster.csv"))
    [handin] = [h for h in intake if h.student_id != "s001"]
    [note] = [n for n in handin.notes if n.code == "not-in-roster"]
    assert note == f"not in the roster ({en})" and note.zh == f"不在花名册中（{zh}）"


def test_a_student_folder_or_a_lone_notebook_missing_from_the_roster_is_named_so(tmp_path):
    (tmp_path / "roster.csv").write_text("student_id,lms_id,name\ns001,1,Nobody\n", encoding="utf-8")
    roster = roster_module.load(tmp_path / "roster.csv")
    lx.write({f"bo/ch03/{NB1}": "x"}, tmp_path / "folders", zipped=False)
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / NB1).write_text("x")
    for source, en, zh in [(tmp_path / "folders", "folder bo", "文件夹 bo"), (tmp_path / "one" / NB1, "file student", "文件 student")]:
        [handin] = [h for h in collect(source, roster=roster) if h.student_id != "s001"]
        assert [(n, n.zh) for n in handin.notes] == [(f"not in the roster ({en})", f"不在花名册中（{zh}）")]


def test_a_hand_in_whose_id_is_a_roster_student_s_names_both(tmp_path):
    """A stranger's Moodle hand-in whose name cleans to the id of a roster student who handed in
    nothing: both are kept, and the status names each by where it came from."""
    (tmp_path / "roster.csv").write_text("student_id,lms_id,name\njane_doe,99,Someone Else\n", encoding="utf-8")
    tree = lx.moodle([{"name": "Jane Doe", "participant": 12345, "files": {NB1: "x"}}])
    intake = collect(lx.write(tree, tmp_path / "export", zipped=False), roster=roster_module.load(tmp_path / "roster.csv"))
    shared = {h.student_id: [n for n in h.notes if n.code == "shared-id"] for h in intake}
    assert sorted(shared) == ["Jane_Doe", "jane_doe-2"]
    for student_id, [note] in shared.items():
        assert note == f"2 hand-ins have the id 'Jane_Doe' (Moodle participant 12345, roster jane_doe): this one is graded as '{student_id}'"
        assert "（Moodle 参与者 12345、花名册 jane_doe）" in note.zh
