"""The catalogue of statuses (autograde/verdict/statuses.py): every entry in both languages, every
placeholder filled, and no internal error text (a parser's, nbgrader's, the operating
system's) ever in a status, wherever grading meets one."""
import concurrent.futures
import errno
import json
import os
import pickle
import re
import zipfile

import pytest

from autograde import course
from autograde.intake import archive
from autograde.verdict import statuses
import example_class as ex
from autograde.grading.grader import NOT_GRADED, Settings, grade
from autograde.verdict.statuses import CATALOGUE, STATUSES, Message, placeholders, say
from autograde.intake.submissions import read_notebook
from autograde.workers.protocol import RanCell, Reply, Stopped
from autograde.workers.warm import NotebookBrokeWorker
from catalogued import INTERNAL, assert_catalogued, assert_catalogued_text, pattern, placeholder

NB1, STEM1 = ex.NB1, ex.NB1[:-6]
CJK = re.compile(r"[\u4e00-\u9fff]")
EXPECTING = "Expecting value: line 1 column 1 (char 0)"  # what json.loads says about a reply that is not JSON


def sample(name: str):
    """A value for a placeholder: a number where the sentence counts, a phrase where it names someone."""
    if name in ("owner", "reason"):
        return say("owner-zip", key="alice") if name == "owner" else say("reason-permission")
    if name == "sources":
        return [say("owner-canvas", key="12345"), say("owner-roster", key="s-001")]
    return 7 if name in ("cell", "count", "limit", "size", "size_limit", "version") else f"sample-{name}"


@pytest.mark.parametrize("code", CATALOGUE)
def test_every_entry_is_a_sentence_in_both_languages(code):
    en, zh = CATALOGUE[code]
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", code)
    assert en.strip() and zh.strip() and en != zh
    assert not CJK.search(en), "the English sentence has Chinese in it"
    assert CJK.search(zh), "the Chinese sentence has no Chinese in it"
    assert placeholders(en) == placeholders(zh), "both languages must say the same things"
    # a status is its parts joined with these: a part that holds one would not split back
    assert statuses.SEPARATOR["en"] not in en and statuses.SEPARATOR["zh"] not in zh


@pytest.mark.parametrize("code", CATALOGUE)
def test_no_placeholder_is_left_unformatted(code):
    message = say(code, **{name: sample(name) for name in placeholders(CATALOGUE[code][0])})
    for text in (message.en, message.zh):
        assert "{" not in text and "}" not in text, text
    assert message.code == code and message == message.en


def test_the_readme_lists_every_status():
    # the README's checklist sends instructors to docs/statuses.md for the catalogue
    assert "docs/statuses.md" in (course.ROOT / "README.md").read_text(encoding="utf-8")
    page = (course.ROOT / "docs" / "statuses.md").read_text(encoding="utf-8")
    for code, (en, zh) in STATUSES.items():
        assert f"| `{code}` | {en} | {zh} |" in page, f"docs/statuses.md's table lacks {code} as the catalogue has it"


def test_every_placeholder_has_a_pattern_that_refuses_an_exception_s_text():
    raw = "Traceback (most recent call last):\n  OSError: [Errno 5] Input/output error"
    for code, (en, _) in CATALOGUE.items():
        for name in placeholders(en):
            for lang in ("en", "zh"):
                assert not re.fullmatch(placeholder(name, lang, code), raw), (code, name)


def test_placeholders_match_only_what_they_may_hold():
    """The check on the tests' statuses refuses a raw OS message as a reason, a word as a count,
    a folder as a notebook's name, another language's phrase."""
    def fits(message) -> bool:
        en, zh = CATALOGUE[message.code]
        return bool(re.fullmatch(pattern(en, "en", message.code), message.en)
                    and re.fullmatch(pattern(zh, "zh", message.code), message.zh))

    assert fits(say("unreadable-file", reason=say("reason-os")))
    assert not fits(say("unreadable-file", reason="[Errno 5] Input/output error: '/srv/class/amy.ipynb'"))
    assert not fits(say("unreadable-folder", reason=Message("permission denied", "reason-permission", "permission denied")))
    assert fits(say("zip-too-many", count=2001, limit=2000)) and not fits(say("zip-too-many", count="many", limit=2000))
    assert fits(say("renamed", file="ch03/01 (1).ipynb", name=NB1))
    assert not fits(say("renamed", file="x.ipynb", name=f"../{NB1}")) and not fits(say("renamed", file="x.ipynb", name="notes.txt"))
    assert fits(say("copies-first", name="data.csv", count=2))
    assert fits(say("not-in-roster", owner=say("owner-moodle", key="12345")))
    assert not fits(say("not-in-roster", owner="Moodle participant 12345\nTraceback"))
    assert fits(say("shared-id", count=2, id="Jane_Doe", sources=[say("owner-zip", key="Jane Doe"), say("owner-zip", key="Jane_Doe")],
                    new_id="Jane_Doe-2"))
    assert not fits(say("shared-id", count=2, id="Jane Doe", sources=[say("owner-zip", key="x")], new_id="Jane_Doe-2"))
    assert fits(say("course-answer", exercise="Exercise 1", what=say("course-imports", names="autograde.kernel.exercise.CHECK_MIME, softmax")))
    assert not fits(say("course-answer", exercise="Exercise 1", what="imports os"))
    assert_catalogued_text(f"{say('missing')}; {say('late', lms='Canvas')}")
    with pytest.raises(AssertionError):
        assert_catalogued_text(f"{say('missing')}; unreadable file (No such file or directory)")


def test_a_status_takes_exactly_its_placeholders():
    with pytest.raises(KeyError, match="no status"):
        say("all-fine")
    with pytest.raises(TypeError, match="takes"):
        say("cell-timeout")  # which cell?
    with pytest.raises(TypeError, match="takes"):
        say("ok", detail=EXPECTING)  # no free text rides along
    assert say("cell-timeout", cell=9).startswith("timeout in cell 9: ") and say("cell-timeout", cell=9).zh.startswith("第 9 个单元格运行超时：")


def test_a_message_is_its_english_text_and_travels_whole():
    message = say("shared-id", count=2, id="Jane_Doe", sources=[say("owner-zip", key="Jane Doe"), say("owner-zip", key="Jane_Doe")],
                  new_id="Jane_Doe-2")
    assert message == "2 hand-ins have the id 'Jane_Doe' (zip Jane Doe, zip Jane_Doe): this one is graded as 'Jane_Doe-2'"
    assert message.zh == "2 份作业的学生编号都是 'Jane_Doe'（zip 文件 Jane Doe、zip 文件 Jane_Doe）：这一份按 'Jane_Doe-2' 评分"
    # a Dask worker's exception carries one back; notebook metadata and the resume state hold them as JSON
    back = pickle.loads(pickle.dumps(NotebookBrokeWorker(say("worker-killed"))))
    assert back.status.code == "worker-killed" and back.status.zh == say("worker-killed").zh
    assert Message.from_dict(json.loads(json.dumps(message.as_dict()))).zh == message.zh
    assert json.dumps([message]) == json.dumps([str(message)])


def test_the_digest_follows_the_catalogue(monkeypatch):
    before = statuses.digest()
    monkeypatch.setitem(STATUSES, "ok", ("fine", "好"))
    monkeypatch.setitem(CATALOGUE, "ok", ("fine", "好"))
    assert statuses.digest() != before


@pytest.mark.parametrize("content, code", [
    (b"", "empty-file"), (b"x", "invalid-json"), (b"{", "invalid-json"), (b"\xff\xfe{", "not-utf8"),
    (b'{"cells": 5}', "unreadable-notebook"), (b'{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": 5}', "unreadable-notebook"),
    (b'["cells"]', "no-cells"),
])
def test_unreadable_notebooks_get_a_catalogue_status(content, code):
    nb, note = read_notebook(content)
    assert nb is None and note.code == code and not INTERNAL.search(note) and not INTERNAL.search(note.zh)


def test_a_file_the_system_refuses_names_the_kind_of_problem(tmp_path, monkeypatch):
    (tmp_path / NB1).write_text("{}")
    entry = next(archive.walk(tmp_path / NB1))

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / NB1))

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(archive.UnreadableEntry) as unreadable:
        entry.read(100)
    assert unreadable.value.message == "unreadable file (permission denied)"
    assert unreadable.value.message.zh == "无法读取的文件（没有读取权限）"


class FakeRunner:
    """Stands in for the warm workers: a marker in a notebook's code says what befalls it."""

    def __init__(self, *args, **kwargs):
        pass

    def submit(self, request):
        future, code = concurrent.futures.Future(), "\n".join(cell["source"] for cell in request["cells"])
        if "FATE-JSON" in code:  # a reply that is not JSON: the machinery's failure
            future.set_exception(json.JSONDecodeError("Expecting value", "", 0))
        elif "FATE-KILLED" in code:
            future.set_exception(NotebookBrokeWorker(say("worker-killed")))
        else:
            ran, stopped = [RanCell(id=cell["id"], outputs=[]) for cell in request["cells"]], None
            if "FATE-STOPPED" in code:
                ran, stopped = ran[:2], Stopped(id=request["cells"][2]["id"], why="a reason nobody expected")
            future.set_result(Reply(nonce="", cells=ran, stopped=stopped, truncated=False, seconds=0.1))
        return future

    def first_sent(self):
        return None

    def close(self):
        pass


def corrupt_zip(path, name, content):
    """A zip whose member fails its CRC check when read."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr(name, content)
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"cells"', b'"CELLS"', 1))


def test_internal_error_texts_never_become_statuses(tmp_path, monkeypatch):
    """Each place where grading meets an exception (a worker's reply, a notebook that does not
    parse, a zip member that does not read) gives a catalogue status; the exception's own words
    go to grading.log. nbgrader's own refusals, real ones: test_nbgrader_refusals.py."""
    import autograde.workers.cluster

    monkeypatch.setattr(autograde.workers.cluster, "LocalRunner", FakeRunner)
    solved = ex.solved(NB1)
    students = {name: {NB1: ex.with_cell(solved, "ex1-dot-scores", f"# FATE-{fate}")}
                for name, fate in [("json-reply", "JSON"), ("killer", "KILLED"), ("stopper", "STOPPED")]}
    students["garbage"] = {NB1: b"x"}
    source = ex.write_class(tmp_path / "class", students)
    corrupt_zip(source / "zipped.zip", f"ch03/{NB1}", ex.text(solved))
    out = tmp_path / "out"
    rows = grade(source, out, settings=Settings(workers=1, sandbox=False))
    assert_catalogued(rows)
    first = {r.student_id: r for r in rows if r.notebook == STEM1}
    codes = {student: [m["code"] for m in row.messages] for student, row in first.items()}
    assert codes["json-reply"][0] == "not-graded" and first["json-reply"].status.startswith(NOT_GRADED)
    assert not first["json-reply"].graded
    assert codes["killer"][0] == "worker-killed" and codes["stopper"][0] == "stopped"
    assert codes["garbage"][0] == "invalid-json" and codes["zipped"][0] == "unreadable-in-zip"
    assert all(r.messages[-1]["code"] == "no-sandbox" for r in rows)
    everything = json.dumps([r.messages for r in rows], ensure_ascii=False)
    assert "Expecting value" not in everything and "CRC" not in everything
    assert EXPECTING in (out / "grading.log").read_text(encoding="utf-8")  # for the instructor, not the student
