"""Reading a class's hand-ins (no grading here): whose file is whose in each LMS download,
zipped and unzipped, student ids in any script, caps, symbolic links, and nothing
decompressed that cannot be part of the assignment."""
import os
import zipfile

import pytest
from nbgrader.plugins import FileNameCollectorPlugin

import lms_exports as lx
from autograde.intake import lms
from autograde.intake import submissions
from autograde.intake import roster as roster_module
from autograde.verdict.statuses import say
from autograde.intake.submissions import collect, safe_id

NB1, NB2 = "01_attention_without_weights.ipynb", "02_attention_all_tokens.ipynb"


def summary(intake):
    """{student id: (sorted graded file names, problems, notes)} of an intake."""
    return {h.student_id: (sorted(h.files), h.problems, h.notes) for h in intake}


@pytest.mark.parametrize("zipped", [False, True], ids=["unzipped", "zipped"])
def test_canvas_download(tmp_path, zipped):
    tree = lx.canvas([
        {"name": "Doe, Jane", "user_id": 12345, "files": {NB1: "one", NB2: "two"}},
        {"name": "王, 小明", "user_id": 23456, "late": True, "files": {NB1: "late one"}},
        # uploaded twice: Canvas keeps the first name for the older file and renames the newer one
        {"name": "Lee, Ann", "user_id": 34567, "files": {NB1: "older", NB1.replace(".ipynb", "-1.ipynb"): "newer"}},
        {"name": "Lee, Ann", "user_id": 45678, "files": {NB1: "another Ann Lee"}},
        {"name": "Ng, Bo", "user_id": 56789, "late": "late", "files": {NB1: "late, older marker"}},
    ])
    tree["doejane_12345_text.html"] = "<p>my answer is in the notebook</p>"  # a text entry beside the files
    intake = collect(lx.write(tree, tmp_path / "submissions", zipped))
    found = summary(intake)
    assert set(found) == {"doejane", "王小明", "leeann", "leeann-2", "ngbo"}
    assert found["ngbo"] == ([NB1], {}, ["marked late by Canvas"])
    assert found["doejane"] == ([NB1, NB2, "text.html"], {}, [])
    assert found["王小明"][2] == ["marked late by Canvas"]
    handin = next(h for h in intake if h.student_id == "leeann")
    assert handin.files[NB1] == b"newer" and handin.owner.key == "34567"
    assert handin.notes[0] == f"{NB1}: 2 copies handed in, graded the latest"
    # two different Canvas users whose names clean to one id: both kept, both warned
    for student_id in ("leeann", "leeann-2"):
        assert any("2 hand-ins have the id 'leeann' (Canvas user 34567, Canvas user 45678)" in n and
                   f"this one is graded as '{student_id}'" in n for n in found[student_id][2])


@pytest.mark.parametrize("zipped", [False, True], ids=["unzipped", "zipped"])
@pytest.mark.parametrize("trailing", [True, False], ids=["moodle3", "moodle4"])
def test_moodle_download(tmp_path, zipped, trailing):
    tree = lx.moodle([
        {"name": "Jane Doe", "participant": 12345, "files": {NB1: "one", f"ch03/{NB2}": "two"}},
        {"name": "李华", "participant": 23456, "files": {NB1: "one"}},
    ], trailing_underscore=trailing)
    tree["李华_23456_assignsubmission_onlinetext_/onlinetext.html"] = "<p>see my notebook</p>"
    found = summary(collect(lx.write(tree, tmp_path / "submissions", zipped)))
    assert found == {"Jane_Doe": ([NB1, NB2], {}, []), "李华": ([NB1, "onlinetext.html"], {}, [])}


@pytest.mark.parametrize("zipped", [False, True], ids=["unzipped", "zipped"])
def test_blackboard_download_grades_the_latest_attempt(tmp_path, zipped):
    tree = lx.blackboard("Chapter3", [
        {"name": "Jane Doe", "username": "jane_doe", "when": "2026-11-24-09-00-00", "files": {NB1: "first"}},
        {"name": "Jane Doe", "username": "jane_doe", "when": "2026-11-25-10-30-00", "files": {NB1: "second"}},
        {"name": "Bo Li", "username": "boli", "when": "2026-11-25-11-00-00", "files": {NB1: "one", NB2: "two"}},
    ])
    intake = collect(lx.write(tree, tmp_path / "submissions", zipped))
    found = summary(intake)
    # the receipt gives the username, underscores included; receipts themselves are not hand-ins
    assert set(found) == {"jane_doe", "boli"}
    assert found["boli"] == ([NB1, NB2], {}, [])
    assert found["jane_doe"][2] == ["2 attempts handed in: graded the latest (2026-11-25-10-30-00)"]
    assert next(h for h in intake if h.student_id == "jane_doe").files[NB1] == b"second"


def test_nbgrader_exchange_and_submitted_layouts(tmp_path):
    tree = lx.nbgrader_inbound("ch03", [
        {"student": "jdoe", "when": "2026-11-24 09:00:00.000000 UTC", "files": {NB1: "first"}},
        {"student": "jdoe", "when": "2026-11-25 09:00:00.000000 UTC", "files": {NB1: "second"}},
        {"student": "bo", "when": "2026-11-25 09:00:00.000000 UTC", "files": {NB1: "one"}},
    ])
    tree["bo+ps1+2026-11-25 09:00:00.000000 UTC+x/other.ipynb"] = "another assignment"
    exchange = tmp_path / "exchange"
    lx.write(tree, exchange / "course" / "inbound", zipped=False)
    lx.write({f"course/outbound/ch03/{NB1}": "the release", f"course/feedback/abc/{NB1}.html": "x"}, exchange, zipped=False)
    intake = collect(exchange)
    found = summary(intake)
    assert intake.unrecognised == [f"course/feedback/abc/{NB1}.html", f"course/outbound/ch03/{NB1}"]
    assert summary(collect(exchange / "course")) == found  # outbound/ch03/ is not a student's folder
    assert found == {"bo": ([NB1], {}, []),
                     "jdoe": ([NB1], {}, ["2 attempts handed in: graded the latest (2026-11-25 09:00:00.000000 UTC)"])}
    assert next(h for h in intake if h.student_id == "jdoe").files[NB1] == b"second"

    submitted = tmp_path / "submitted"
    lx.write({f"amy/ch03/{NB1}": "one", "amy/ch03/timestamp.txt": "t", f"amy/ps1/{NB2}": "other assignment",
              "ben/ps1/x.ipynb": "only another assignment"}, submitted, zipped=False)
    assert summary(collect(submitted)) == {"amy": ([NB1], {}, []), "ben": ([], {"ch03": "no ch03/ folder"}, [])}


@pytest.mark.parametrize("layout", ["inbound", "submitted"])
def test_nbgraders_own_files_are_never_a_students(tmp_path, layout):
    """nbgrader's `submit` writes timestamp.txt and submission_secret.txt beside the notebooks
    (nbgrader/exchange/default/submit.py) and `collect` keeps them in submitted/STUDENT/ASSIGNMENT/:
    neither is a hand-in file (which grading would report as "not part of this assignment")."""
    bookkeeping = {"timestamp.txt": "2026-12-05 10:00:00.000000 UTC", "submission_secret.txt": "ab" * 64}
    if layout == "inbound":
        tree = {f"{s}+ch03+2026-12-05 10:00:00.000000 UTC+r{i}/{name}": text for i, s in enumerate(["amy", "ben"])
                for name, text in {NB1: "work", **bookkeeping}.items()}
    else:
        tree = {f"{s}/ch03/{name}": text for s in ["amy", "ben"] for name, text in {NB1: "work", **bookkeeping}.items()}
    intake = collect(lx.write(tree, tmp_path / layout, zipped=False))
    assert summary(intake) == {"amy": ([NB1], {}, []), "ben": ([NB1], {}, [])}
    assert intake.unrecognised == []


def test_names_follow_nbgraders_collector_regexes(tmp_path):
    """The patterns are nbgrader `zip_collect` named regexes: nbgrader's own FileNameCollectorPlugin
    reads the same student and file from each LMS's file names."""
    names = [*lx.canvas([{"name": "Doe, Jane", "user_id": 12345, "late": True, "files": {NB1: ""}}]),
             *[n for n in lx.blackboard("Chapter3", [{"name": "J", "username": "jdoe", "when": "2026-11-25-10-30-00",
                                                     "files": {NB1: ""}}]) if n.endswith(".ipynb")],
             f"Jane Doe_12345_assignsubmission_file_{NB1}", f"anon_Xy12z_67891_{NB1}"]
    for name in names:
        owner = lms.identify((name,), "ch03")
        pattern = next(p for p in (lms.MOODLE_FILE, lms.BLACKBOARD, lms.CANVAS_ANONYMOUS, lms.CANVAS) if p.match(name))
        found = FileNameCollectorPlugin(named_regexp=pattern.pattern).collect(str(tmp_path / "extracted" / name))
        assert (found["student_id"], found["file_id"]) == (owner.key, owner.file) and owner.file == NB1, name


@pytest.mark.parametrize("name, expected", [
    ("王小明", "王小明"),
    ("Zoe\u0308 Müller", "Zoë_Müller"),  # NFD from macOS becomes NFC
    ("नमस्ते", "नमस्ते"),  # combining marks stay
    ("../../etc/passwd", "etcpasswd"),
    (".hidden", "hidden"),
    ("a..b", "ab"),
    ("evil\x1b[31m\u202eid", "evil_31mid"),  # escape and bidi controls removed, "[" becomes "_"
    ("=HYPERLINK(\"http://x\")", "HYPERLINK_http_x"),
    ("-1+1", "1_1"),
    ("", "student"),
])
def test_student_ids_keep_letters_and_digits_of_any_script(name, expected):
    assert safe_id(name) == expected


def test_ids_that_clean_alike_are_never_merged(tmp_path):
    for name, content in [("王小明", "complete"), ("李华", "blank"), ("Jane Doe", "a"), ("Jane_Doe", "b"),
                          ("Zoe\u0308", "nfd"), ("Zoë", "nfc"), ("ALICE", "upper"), ("alice", "lower")]:
        with zipfile.ZipFile(tmp_path / f"{name}.zip", "w") as archive:
            archive.writestr(f"ch03/{NB1}", content)
    intake = collect(tmp_path)
    contents = {h.student_id: h.files[NB1] for h in intake}
    assert contents == {"王小明": b"complete", "李华": b"blank", "Jane_Doe": b"a", "Jane_Doe-2": b"b",
                        "Zoë": b"nfd", "Zoë-2": b"nfc",  # sorted by the name handed in
                        "ALICE": b"upper", "alice-2": b"lower"}  # one folder where case does not count
    assert all(len(h.notes) == 1 and "2 hand-ins have the id" in h.notes[0] for h in intake
               if h.student_id.startswith(("Jane", "Zoë", "ALICE", "alice")))


def test_symbolic_links_are_not_followed(tmp_path):
    secret = tmp_path / "secret.ipynb"
    secret.write_text("someone else's notebook")
    (tmp_path / "class" / "amy" / "ch03").mkdir(parents=True)
    os.symlink(secret, tmp_path / "class" / "amy" / "ch03" / NB1)
    os.symlink(tmp_path, tmp_path / "class" / "amy" / "ch03" / "everything")
    with zipfile.ZipFile(tmp_path / "class" / "ben.zip", "w") as archive:
        link = zipfile.ZipInfo(f"ch03/{NB1}")
        link.external_attr = (0o120777 << 16)  # a symbolic link, as `zip --symlinks` stores it
        archive.writestr(link, str(secret))
    found = summary(collect(tmp_path / "class"))
    assert found["amy"] == ([], {NB1: "symbolic link, not followed", "everything": "symbolic link, not followed"}, [])
    assert found["ben"] == ([], {NB1: "symbolic link in zip, not followed"}, [])


def test_caps_on_files_and_size_skip_everything_but_the_notebooks(tmp_path, monkeypatch):
    monkeypatch.setattr(submissions, "MAX_HANDIN_BYTES", 2**20)
    with zipfile.ZipFile(tmp_path / "many.zip", "w") as archive:
        archive.writestr(NB1, "one")
        for i in range(submissions.MAX_HANDIN_FILES):
            archive.writestr(f"junk/{i}.txt", "x")
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NB1, "one")
        archive.writestr("video.mp4", bytes(3 * 2**20))
    found = summary(collect(tmp_path))
    assert found["many"] == ([NB1], {}, [f"{submissions.MAX_HANDIN_FILES + 1} files handed in, more than the "
                                         f"{submissions.MAX_HANDIN_FILES} allowed: only the assignment's notebooks were read"])
    assert found["big"] == ([NB1], {}, ["3 MiB handed in (uncompressed), more than the 1 MiB allowed: "
                                        "only the assignment's notebooks were read"])


def test_nothing_but_the_notebooks_is_decompressed(tmp_path, monkeypatch):
    with zipfile.ZipFile(tmp_path / "amy.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"ch03/{NB1}", "one")
        for i in range(5):
            archive.writestr(f"junk{i}.bin", bytes(2**20))
    opened = []
    real_open = zipfile.ZipFile.open
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, name, *a, **k: opened.append(
        getattr(name, "filename", name)) or real_open(self, name, *a, **k))
    [handin] = collect(tmp_path)
    handin.digest({NB1})  # what resuming a killed run compares
    assert sorted(handin.files) == [NB1] + [f"junk{i}.bin" for i in range(5)]  # listed, to get their own rows
    assert opened == [f"ch03/{NB1}"]


def test_declared_sizes_cannot_smuggle_a_big_notebook(tmp_path):
    with zipfile.ZipFile(tmp_path / "amy.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(NB1, bytes(submissions.MAX_NOTEBOOK_BYTES + 10))
    assert summary(collect(tmp_path))["amy"] == ([], {NB1: say("file-too-large")}, [])


def test_files_no_lms_named_are_reported(tmp_path):
    lx.write({f"amy/ch03/{NB1}": "one", "notes.txt": "the instructor's notes"}, tmp_path, zipped=False)
    intake = collect(tmp_path)
    assert [h.student_id for h in intake] == ["amy"] and intake.unrecognised == ["notes.txt"]


def test_roster_maps_lms_ids_and_names(tmp_path):
    (tmp_path / "roster.csv").write_text(
        "student_id,lms_id,name,email\ns001,12345,\"Doe, Jane\",jane@uni.edu\ns002,,Wang Xiaoming,\ns003,99999,Nobody,\n",
        encoding="utf-8")
    tree = lx.canvas([{"name": "Doe, Jane", "user_id": 12345, "files": {NB1: "a"}},
                      {"name": "Wang Xiaoming", "user_id": 23456, "files": {NB1: "b"}},
                      {"name": "Ghost, Casper", "user_id": 34567, "files": {NB1: "c"}}])
    intake = collect(lx.write(tree, tmp_path / "export", zipped=True), roster=roster_module.load(tmp_path / "roster.csv"))
    found = summary(intake)
    assert set(found) == {"s001", "s002", "s003", "ghostcasper"}
    assert found["s003"] == ([], {}, [])  # on the roster, nothing handed in: graded as missing
    assert found["ghostcasper"][2] == ["not in the roster (Canvas user 34567)"]
    assert next(h for h in intake if h.student_id == "s001").student.email == "jane@uni.edu"


def test_a_canvas_gradebook_export_is_a_roster(tmp_path):
    (tmp_path / "export.csv").write_text(
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,Attention (777)\n"
        "    Points Possible,,,,,30\n\"Doe, Jane\",12345,S-1,jdoe,A1,\n", encoding="utf-8")
    [student] = roster_module.load(tmp_path / "export.csv").students
    assert (student.student_id, student.lms_id, student.name, student.section) == ("jdoe", "12345", "Doe, Jane", "A1")


@pytest.mark.parametrize("text, message", [
    ("name\nJane\n", "no student_id column"),
    ("student_id,lms_id\na,1\nb,1\n", "lms_id '1' is on lines 2 and 3"),
])
def test_a_bad_roster_is_a_usage_error(tmp_path, text, message):
    (tmp_path / "roster.csv").write_text(text)
    with pytest.raises(submissions.UsageError, match=message):
        roster_module.load(tmp_path / "roster.csv")


def test_a_zip_handed_in_inside_an_lms_download(tmp_path):
    """A Canvas student who uploaded the zip `autograde submit` writes."""
    inner = tmp_path / "jdoe.zip"
    with zipfile.ZipFile(inner, "w") as archive:
        archive.writestr(f"ch03/{NB1}", "one")
        archive.writestr(f"ch03/{NB2}", "two")
    tree = lx.canvas([{"name": "Doe, Jane", "user_id": 12345, "files": {"jdoe.zip": inner.read_bytes()}}])
    [handin] = collect(lx.write(tree, tmp_path / "export", zipped=True))
    assert (handin.student_id, sorted(handin.files), handin.files[NB2]) == ("doejane", [NB1, NB2], b"two")


def test_a_zip_listing_too_many_files_is_not_parsed(tmp_path, monkeypatch):
    from autograde.intake import archive

    monkeypatch.setattr(archive, "MAX_ZIP_ENTRIES", 3)
    with zipfile.ZipFile(tmp_path / "amy.zip", "w") as z:
        for i in range(4):
            z.writestr(f"{i}.txt", "x")
    assert summary(collect(tmp_path))["amy"] == ([], {"amy.zip": "zip lists 4 files, more than the 3 allowed"}, [])


def test_a_zip_that_under_declares_its_entries_is_counted_by_its_directory(tmp_path, monkeypatch):
    """The end record says 1 entry, the central directory lists 4: zipfile would parse all of
    them, so the cap counts the directory's records before it does."""
    import struct

    from autograde.intake import archive

    monkeypatch.setattr(archive, "MAX_ZIP_ENTRIES", 3)
    data = lx.zip_bytes({f"{i}.txt": "x" for i in range(4)})
    end = data.rfind(b"PK\x05\x06")
    (tmp_path / "amy.zip").write_bytes(data[:end + 8] + struct.pack("<HH", 1, 1) + data[end + 12:])
    assert summary(collect(tmp_path))["amy"] == ([], {"amy.zip": "zip lists 4 files, more than the 3 allowed"}, [])


def test_a_folder_holding_several_downloads(tmp_path):
    lx.write(lx.canvas([{"name": "Doe, Jane", "user_id": 12345, "files": {NB1: "canvas"}}]), tmp_path / "canvas", zipped=True)
    lx.write(lx.moodle([{"name": "Bo Li", "participant": 77, "files": {NB1: "moodle"}}]), tmp_path / "moodle", zipped=False)
    intake = collect(tmp_path)
    assert {h.student_id: h.files[NB1] for h in intake} == {"doejane": b"canvas", "Bo_Li": b"moodle"}


# Identity comes from the part of a name the LMS writes. A student names their own file, so they
# can type another student's LMS prefix into it: that file stays theirs, ungraded, and says so, and
# every other student's hand-in is exactly what it was without it.

def moodle_flat(students: list[dict]) -> dict[str, str]:
    """Moodle's download with "download submissions in folders" off: flat files."""
    return {f"{s['name']}_{s['participant']}_assignsubmission_file_{name}": content
            for s in students for name, content in s["files"].items()}


def others_unchanged(tmp_path, honest: dict, attack: dict, attacker: str):
    """The intake with and without the attacker's extra files: everyone else's hand-in is the same
    (files, contents, problems, notes); returns the attacker's hand-in with the attack."""
    before = collect(lx.write(honest, tmp_path / "before", zipped=False))
    after = collect(lx.write({**honest, **attack}, tmp_path / "after", zipped=False))
    contents = lambda intake: {h.student_id: (summary([h])[h.student_id], {n: h.files[n] for n in h.files},
                                              h.owner.key) for h in intake if h.student_id != attacker}
    assert contents(after) == contents(before) and contents(before)
    assert after.unrecognised == before.unrecognised
    return next(h for h in after if h.student_id == attacker)


HOSTILE_NAMES = {
    "moodle-flat": (moodle_flat([{"name": "Jane Doe", "participant": 1234, "files": {NB1: "jane's"}},
                                 {"name": "Bob Roe", "participant": 5512, "files": {NB1: "bob's"}}]),
                    {f"Jane Doe_1234_assignsubmission_file_x_5512_assignsubmission_file_{NB2}": "forged"},
                    "Jane_Doe", f"x_5512_assignsubmission_file_{NB2}", "Moodle participant 5512"),
    "moodle-folders": (lx.moodle([{"name": "Jane Doe", "participant": 1234, "files": {NB1: "jane's"}},
                                  {"name": "Bob Roe", "participant": 5512, "files": {NB1: "bob's"}}]),
                       {f"Jane Doe_1234_assignsubmission_file_/Bob Roe_5512_assignsubmission_file_/{NB2}": "forged"},
                       "Jane_Doe", f"Bob Roe_5512_assignsubmission_file_/{NB2}", "Moodle participant 5512"),
    "canvas": (lx.canvas([{"name": "Doe, Jane", "user_id": 1234, "files": {NB1: "jane's"}},
                          {"name": "Roe, Bob", "user_id": 5512, "files": {NB1: "bob's"}}]),
               {f"doejane_1234_70000_roebob_5512_99999_{NB2}": "forged"},
               "doejane", f"roebob_5512_99999_{NB2}", "Canvas user 5512"),
    # a later attempt for someone else: the forged time would have hidden Bob's real attempt
    "blackboard-attempt": (lx.blackboard("Chapter3", [
        {"name": "Jane Doe", "username": "jdoe", "when": "2026-11-25-10-30-00", "files": {NB1: "jane's"}},
        {"name": "Bob Roe", "username": "bob_roe", "when": "2026-11-25-11-00-00", "files": {NB1: "bob's"}}]),
        {f"Chapter3_jdoe_attempt_2026-11-25-10-30-00_Chapter3_bob_roe_attempt_2099-01-01-00-00-00_{NB2}": "forged",
         "Chapter3_jdoe_attempt_2026-11-25-10-30-00_Chapter3_bob_roe_attempt_2099-01-01-00-00-00.txt":
             "Name: Bob Roe (bob_roe)\n"},
        "jdoe", f"Chapter3_bob_roe_attempt_2099-01-01-00-00-00_{NB2}", "Blackboard user bob_roe"),
}


@pytest.mark.parametrize("case", HOSTILE_NAMES)
def test_a_file_name_cannot_take_another_students_handin(tmp_path, case):
    honest, attack, attacker, file, victim = HOSTILE_NAMES[case]
    handin = others_unchanged(tmp_path, honest, attack, attacker)
    # the file is the uploader's, graded as the notebook its name ends with, and their rows say so
    assert say("claims-other", file=file, owner=victim) in handin.notes
    assert handin.files[NB2] == b"forged" and handin.files[NB1] == b"jane's" and file not in handin.files


def test_a_students_backup_file_changes_nothing_for_the_class(tmp_path):
    """`submitted/STUDENT/ch03/`: a backup whose name looks like Canvas's
    (`{name}_{user id}_{attachment id}_{file}`) is one more file of its student's."""
    honest = {f"{s}/ch03/{NB1}": s for s in ("amy", "ben", "cy")}
    backup = NB1.replace(".ipynb", "_2024_11_25.ipynb")
    handin = others_unchanged(tmp_path, honest, {f"amy/ch03/{backup}": "old"}, "amy")
    assert sorted(handin.files) == [NB1, backup] and handin.problems == {}


@pytest.mark.parametrize("layout", ["canvas-export", "zip-per-student"])
def test_a_zip_bomb_of_small_entries_cannot_crowd_out_the_class(tmp_path, monkeypatch, layout):
    """A class-wide cap on listed files: the attacker (whose name sorts first) hands in zips of
    many tiny entries, each under the per-zip cap; they get the budget last, so only they lose
    files, with a status, and every honest student's hand-in is read whole."""
    from autograde.intake import archive

    monkeypatch.setattr(archive, "MAX_CLASS_ENTRIES", 1_000)
    honest = {f"student{i:02d}": {f"ch03/{NB1}": f"one {i}", f"ch03/{NB2}": f"two {i}"} for i in range(30)}
    bombs = {f"bomb{k}.zip": lx.zip_bytes({f"x/{j}.txt": "" for j in range(950)}) for k in range(2)}
    if layout == "canvas-export":
        tree = lx.canvas([{"name": "Aaa, Attacker", "user_id": 1, "files": {NB1: "mine", **bombs}}] +
                         [{"name": f"Doe, {s}", "user_id": 100 + i, "files": {"mine.zip": lx.zip_bytes(files)}}
                          for i, (s, files) in enumerate(honest.items())])
        source = lx.write(tree, tmp_path / "export", zipped=True)
        attacker, ids, refused = "aaaattacker", {f"doe{s}": s for s in honest}, list(bombs)
    else:
        source = tmp_path / "zips"
        source.mkdir()
        (source / "aaa.zip").write_bytes(lx.zip_bytes({NB1: "mine", **{f"bomb/{j}.txt": "" for j in range(1_200)}}))
        for s, files in honest.items():
            (source / f"{s}.zip").write_bytes(lx.zip_bytes(files))
        attacker, ids, refused = "aaa", {s: s for s in honest}, ["aaa.zip"]
    intake = collect(source)
    found = {h.student_id: h for h in intake}
    for student_id, s in ids.items():
        handed_in = {name.removeprefix("ch03/"): content.encode() for name, content in honest[s].items()}
        assert {name: found[student_id].files[name] for name in found[student_id].files} == handed_in
        assert found[student_id].problems == {}
    assert found[attacker].problems == dict.fromkeys(refused, say("class-too-many", limit=1_000))


# Names students' tools produce: a browser's second download, Jupyter's duplicate, another case,
# spaces for underscores. Graded as the notebook when they stand for one file, and said so; never a
# guess between two files, never a path.

COURSE = [NB1, NB2]


@pytest.mark.parametrize("file", [
    "01_attention_without_weights (1).ipynb",  # Chrome's second download
    "01_attention_without_weights(2).ipynb",  # Firefox's
    "01_attention_without_weights-Copy1.ipynb",  # JupyterLab's duplicate
    "01_attention_without_weights - Copy (2).ipynb",  # Windows Explorer's
    "01_attention_without_weights copy 2.ipynb",  # macOS Finder's
    "01_attention_without_weights-Copy1 (1).ipynb",  # a download of a duplicate
    "01_Attention_Without_Weights.IPYNB",
    "01 attention without weights.ipynb",
    "01-attention-without-weights.ipynb",
])
def test_a_renamed_copy_stands_for_its_notebook(file):
    assert submissions.renames.notebook_for(file, COURSE) == NB1


@pytest.mark.parametrize("file", [
    NB1,  # itself: nothing to match
    "../01_attention_without_weights.ipynb", "x/01_attention_without_weights (1).ipynb",
    "..\\01_attention_without_weights.ipynb",  # a path is no name
    "01_attention_without_weights\x00.ipynb", "01_attention_without_weights\n.ipynb",
    "01_attention_without_weights.ipynb.json", "01_attention_without_weights (1).py",
    "01_attention_without_weights_v2.ipynb", "01_attention_with_weights.ipynb",
    "01_attention_without_weights" + " (1)" * 100 + ".ipynb",  # longer than any file system allows
    " (1).ipynb", "-Copy1.ipynb",  # only a copy mark
    "01_аttention_without_weights.ipynb",  # a Cyrillic 'а': another name, not another case
])
def test_names_that_stand_for_no_notebook(file):
    assert submissions.renames.notebook_for(file, COURSE) is None


def test_names_that_share_a_key_are_never_guessed():
    assert submissions.renames.notebook_for("a b.ipynb", ["a_b.ipynb", "A-B.ipynb"]) is None


@pytest.mark.parametrize("zipped", [False, True], ids=["unzipped", "zipped"])
def test_renamed_notebooks_are_graded_as_the_course_notebook(tmp_path, zipped):
    copy1, copy2 = "01_attention_without_weights (1).ipynb", "01_attention_without_weights-Copy1.ipynb"
    lower = NB2.upper().replace(".IPYNB", ".ipynb")
    tree = lx.canvas([
        {"name": "Doe, Jane", "user_id": 1, "files": {copy1: "jane's", lower: "jane's two"}},
        # the notebook under its own name wins; the copy is one more file, reported as not part of the assignment
        {"name": "Roe, Bob", "user_id": 2, "files": {NB1: "bob's", copy1: "bob's copy"}},
        # two copies and no original: neither is graded, the notebook's row names both
        {"name": "Li, Bo", "user_id": 3, "files": {copy1: "first", copy2: "second"}},
    ])
    intake = collect(lx.write(tree, tmp_path / "export", zipped))
    found = {h.student_id: h for h in intake}
    jane, bob, bo = found["doejane"], found["roebob"], found["libo"]
    assert {n: jane.files[n] for n in jane.files} == {NB1: b"jane's", NB2: b"jane's two"}
    assert jane.problems == {} and sorted(jane.notes) == sorted(
        [say("renamed", file=copy1, name=NB1), say("renamed", file=lower, name=NB2)])
    assert {n: bob.files[n] for n in bob.files} == {NB1: b"bob's", copy1: b"bob's copy"} and bob.notes == []
    assert sorted(bo.files) == [] and bo.notes == []
    assert bo.problems == {NB1: say("renamed-ambiguous", count=2, name=NB1, files=sorted([copy1, copy2]))}


def test_a_refused_notebook_is_not_replaced_by_a_copy(tmp_path):
    """A symbolic link under the notebook's own name keeps its status; the copy beside it is not
    slipped in under that name (one notebook, one file)."""
    (tmp_path / "class" / "amy" / "ch03").mkdir(parents=True)
    (tmp_path / "elsewhere.ipynb").write_text("someone else's")
    os.symlink(tmp_path / "elsewhere.ipynb", tmp_path / "class" / "amy" / "ch03" / NB1)
    copy = "01_attention_without_weights (1).ipynb"
    (tmp_path / "class" / "amy" / "ch03" / copy).write_text("amy's copy")
    [amy] = collect(tmp_path / "class")
    assert amy.problems == {NB1: "symbolic link, not followed"} and sorted(amy.files) == [copy] and amy.notes == []


def test_a_renamed_notebook_uploaded_twice_to_canvas(tmp_path):
    """Canvas renames the second upload of `x (1).ipynb` to `x (1)-1.ipynb`: one notebook's two
    copies, the latest graded, not two files that could each be it."""
    copy = "01_attention_without_weights (1).ipynb"
    tree = lx.canvas([{"name": "Doe, Jane", "user_id": 1,
                       "files": {copy: "older", copy.replace(".ipynb", "-1.ipynb"): "newer"}}])
    [jane] = collect(lx.write(tree, tmp_path / "export", zipped=False))
    assert jane.files[NB1] == b"newer" and sorted(jane.files) == [NB1] and jane.problems == {}
    assert jane.notes == [say("copies-latest", name=copy, count=2), say("renamed", file=copy, name=NB1)]


def test_a_renamed_copy_named_for_another_student_stays_its_uploaders(tmp_path):
    """Jane's `x_5512_assignsubmission_file_01_… (1).ipynb`: Bob's hand-in is what it was without
    it; the file is Jane's, graded as her notebook 1, and her rows say both things."""
    honest = moodle_flat([{"name": "Jane Doe", "participant": 1234, "files": {NB2: "jane's two"}},
                          {"name": "Bob Roe", "participant": 5512, "files": {NB1: "bob's"}}])
    own = "x_5512_assignsubmission_file_01_attention_without_weights (1).ipynb"
    jane = others_unchanged(tmp_path, honest, {f"Jane Doe_1234_assignsubmission_file_{own}": "forged"}, "Jane_Doe")
    assert {n: jane.files[n] for n in jane.files} == {NB1: b"forged", NB2: b"jane's two"}
    assert jane.notes == [say("claims-other", file=own, owner="Moodle participant 5512"),
                          say("renamed", file="01_attention_without_weights (1).ipynb", name=NB1)]
