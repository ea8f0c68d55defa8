"""The wire between grader and workers: frames read exactly, and a worker whose answer is not
the one asked for (wrong nonce, an extra frame, garbage) is replaced, charging only the
notebook it was running."""
import concurrent.futures
import json
import os
import subprocess
import sys
import time

import pytest

import nbformat

from autograde import course
from autograde.grading.grader import NOT_GRADED, Settings, grade, load_state
from autograde.verdict.statuses import say
from autograde.workers import protocol
from autograde.workers.cluster import LocalRunner
from autograde.workers.sandbox import bubblewrap
from autograde.workers.warm import NotebookBrokeWorker, WarmPool, Zygote

import example_class as ex
import wire
from conftest import SLOW

# A stand-in worker that answers every request in a way a real one never does.
FAKE = """
import sys
sys.path.insert(0, {root!r})
from autograde.workers import protocol
reader = protocol.FrameReader(0, 1 << 30)
protocol.send(1, {{"ready": True}})
while True:
    limits = reader.read()
    nonce = reader.read()["nonce"]
    cells = reader.read()
    reply = {{"nonce": nonce, "cells": [], "stopped": None, "truncated": False, "seconds": 0.0}}
    {answer}
"""
ANSWERS = {
    "wrong nonce": 'protocol.send(1, {**reply, "nonce": "0" * 32})',
    "an extra frame first": 'protocol.send(1, {**reply, "nonce": "forged"}); protocol.send(1, reply)',
    "garbage": 'sys.stdout.buffer.write(b"\\x00\\x00\\x00\\x05hello"); sys.stdout.flush()',
    "more cells than asked": 'protocol.send(1, {**reply, "cells": [{"id": "code-0", "outputs": []}] * 3})',
    "outputs that are not a list": 'protocol.send(1, {**reply, "cells": [{"id": "code-0", "outputs": "x"}]})',
    "no seconds": 'protocol.send(1, {k: v for k, v in reply.items() if k != "seconds"})',
}


def test_frames_are_read_exactly_and_never_past_their_end():
    read_fd, write_fd = os.pipe()
    protocol.send(write_fd, {"first": 1})
    protocol.send(write_fd, {"second": 2})
    reader = protocol.FrameReader(read_fd, max_bytes=1 << 20)
    assert reader.read(time.monotonic() + 5 * SLOW) == {"first": 1}
    rest = os.read(read_fd, 1 << 16)  # the second frame is still in the pipe, for whoever reads next
    assert rest == protocol.encode({"second": 2})


def test_a_frame_over_the_cap_and_a_silent_writer_are_refused():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"xxxx")
    with pytest.raises(protocol.TooLarge):
        protocol.FrameReader(read_fd, max_bytes=1 << 20).read(time.monotonic() + 5 * SLOW)
    quiet_r, _quiet_w = os.pipe()
    started = time.monotonic()
    with pytest.raises(protocol.TimedOut):
        protocol.FrameReader(quiet_r, max_bytes=1 << 20).read(time.monotonic() + 0.3)
    assert time.monotonic() - started < 2 * SLOW


@pytest.mark.parametrize("answer", list(ANSWERS))
def test_a_worker_that_answers_wrongly_is_replaced(tmp_path, answer):
    zygote = Zygote(tmp_path, sandbox=bool(bubblewrap()))
    fake = FAKE.format(root=str(course.ROOT), answer=ANSWERS[answer])
    zygote.proc = subprocess.Popen([sys.executable, "-c", fake], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    zygote.reader = protocol.FrameReader(zygote.proc.stdout.fileno(), max_bytes=1 << 62)
    zygote.wait_ready()
    fake_pid = zygote.proc.pid
    try:
        with pytest.raises(NotebookBrokeWorker) as broke:
            zygote._run_once(Settings().request(wire.cells("print(1)")))
        assert broke.value.status == say("worker-tampered")
        assert zygote.proc is None  # killed; the next notebook starts a real worker
        reply = zygote.run(Settings().request(wire.cells("print(6 * 7)")))
        assert wire.outputs(reply["cells"]) == [[{"output_type": "stream", "name": "stdout", "text": "42\n"}]]
        assert zygote.proc.pid != fake_pid
    finally:
        zygote.close()


# The cells of a reply, checked against the cells sent: the same ids, in order; all of them, or
# those before the cell the notebook stopped in.
SENT = wire.cells("a = 1", "b = 2", "c = 3")


def ran(*ids):
    return [protocol.RanCell(id=i, outputs=[{"output_type": "stream", "name": "stdout", "text": i}]) for i in ids]


def reply(cells, stopped=None):
    return protocol.Reply(nonce="", cells=cells, stopped=stopped, truncated=False, seconds=0.0)


def test_a_reply_with_every_cell_or_a_prefix_and_a_stop_matches():
    assert protocol.match_cells(SENT, reply(ran("code-0", "code-1", "code-2"))) == ran("code-0", "code-1", "code-2")
    died = protocol.Stopped(id="code-1", why="died")
    assert protocol.match_cells(SENT, reply(ran("code-0"), died)) == ran("code-0")
    assert protocol.match_cells(SENT, reply([], protocol.Stopped(id="code-0", why="timeout"))) == []


@pytest.mark.parametrize("cells, stopped, complaint", [
    (ran("code-0", "elsewhere", "code-2"), None, "was not sent"),
    (ran("code-0", "code-0", "code-2"), None, "twice"),
    (ran("code-1", "code-0", "code-2"), None, "out of order"),
    (ran("code-0", "code-2"), None, "out of order"),
    (ran("code-0", "code-1"), None, "no word of the notebook stopping"),
    (ran("code-0"), protocol.Stopped(id="code-2", why="died"), "first cell without outputs"),
    (ran("code-0", "code-1", "code-2"), protocol.Stopped(id="code-2", why="died"), "first cell without outputs"),
])
def test_a_reply_whose_cells_are_not_the_ones_sent_is_a_mismatch(cells, stopped, complaint):
    with pytest.raises(protocol.Mismatch, match=complaint):
        protocol.match_cells(SENT, reply(cells, stopped))


def test_a_worker_reply_is_checked_before_it_is_believed():
    request = Settings().request(SENT)
    good = {"nonce": "n", "cells": ran("code-0"), "stopped": {"id": "code-1", "why": "died"}, "truncated": False,
            "seconds": 1, "extra": "dropped"}
    assert protocol.reply_of(good, request, "n") == reply(ran("code-0"), protocol.Stopped(id="code-1", why="died")) | {
        "nonce": "n", "seconds": 1.0}
    for bad in ({**good, "nonce": "m"}, {**good, "cells": ran("a", "b", "c", "d")}, {**good, "cells": [{"id": 1, "outputs": []}]},
                {**good, "stopped": {"why": 3}}, {**good, "truncated": "no"}, {**good, "seconds": True}):
        with pytest.raises(protocol.ProtocolError):
            protocol.reply_of(bad, request, "n")


# A first cell that spies on its process's loop (a profile hook, which outlives the cell) and
# keeps the token of each hand-off as the loop reads it: the most a cell can learn.
SPY = """
import builtins, sys
def spy(frame, event, arg):
    if event == 'return' and frame.f_code.co_name == 'handed_of':
        builtins.HANDED = arg['token']
sys.setprofile(spy)
"""

# A cell that writes a result of its own into its pipe to the worker, naming another cell; with
# `steal`, it carries the token of its own hand-off (after SPY).
FORGE = """
import builtins, json, os, struct
token = builtins.HANDED if {steal} else None
fake = json.dumps({{"token": token, "id": "code-2", "truncated": False,
                   "outputs": [{{"output_type": "stream", "name": "stdout", "text": "forged"}}]}}).encode()
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{{fd}}").startswith("pipe:"):
            os.write(int(fd), struct.pack(">I", len(fake)) + fake)
    except OSError:
        pass
"""


@pytest.mark.parametrize("steal", [False, True])
def test_a_notebook_cannot_put_outputs_into_another_cell(tmp_path, steal):
    """Its forged frame answers at most its own cell: the worker attaches the ids, and a frame
    without the token of the hand-off, or a second frame for the cell, stops the notebook there
    as corrupt output; the cells after it are never run."""
    with WarmPool(1, tmp_path, sandbox=bool(bubblewrap())) as pool:
        reply = pool.run(Settings().request(wire.cells(SPY, FORGE.format(steal=steal), "print('third')")))
    assert reply["stopped"] == {"id": "code-1", "why": "corrupt output"}
    assert [cell["id"] for cell in reply["cells"]] == ["code-0"]
    assert "forged" not in json.dumps(reply["cells"])
    assert protocol.match_cells(wire.cells("", "", ""), reply) == reply["cells"]


# A cell that writes well-formed results carrying the token of its own hand-off (after SPY)
# into its pipes: for itself only, or for the next cells too; then it exits, or returns as a
# cell does (and its process sends the real result after).
ANSWER = """
import builtins, json, os, struct
frame = json.dumps({{"token": builtins.HANDED, "truncated": False,
                    "outputs": [{{"output_type": "stream", "name": "stdout", "text": "forged"}}]}}).encode()
for fd in os.listdir("/proc/self/fd"):
    try:
        if os.readlink(f"/proc/self/fd/{{fd}}").startswith("pipe:"):
            os.write(int(fd), (struct.pack(">I", len(frame)) + frame) * {frames})
    except OSError:
        pass
if {exits}:
    os._exit(0)
"""


@pytest.mark.parametrize("frames, exits, cells, stopped_in", [
    (5, True, 4, "code-1"),  # answers ahead for the cells after it: none of them ran, nor did it as handed
    (1, True, 4, "code-2"),  # answers for itself, then ends without taking the next cell
    (1, False, 2, "code-1"),  # the last cell answers twice: its own frame, then its process's
])
def test_a_result_comes_only_from_the_run_of_the_cell_handed(tmp_path, frames, exits, cells, stopped_in):
    """Whatever it writes, a notebook gets no result for a cell it was not handed, and one that
    answers twice or ends early is stopped as corrupt output; an honest notebook after it, on
    the same worker, runs every cell."""
    sources = [SPY, ANSWER.format(frames=frames, exits=exits), "print('third')", "print('fourth')"][:cells]
    with WarmPool(1, tmp_path, sandbox=bool(bubblewrap())) as pool:
        reply = pool.run(Settings().request(wire.cells(*sources)))
        honest = pool.run(Settings().request(wire.cells("print(1)", "print(2)", "print(3)")))
    assert reply["stopped"] == {"id": stopped_in, "why": "corrupt output"}
    assert [cell["id"] for cell in reply["cells"]] == ["code-0", "code-1", "code-2"][:int(stopped_in[-1])]
    assert protocol.match_cells(wire.cells(*sources), reply) == reply["cells"]
    assert honest["stopped"] is None and [o[0]["text"] for o in wire.outputs(honest["cells"])] == ["1\n", "2\n", "3\n"]


# What a worker's reply could do to the cells it carries, were the worker broken: named by a
# marker in the notebook's code.
TAMPER = {
    "unknown-id": lambda cells: [*cells[:3], {**cells[3], "id": "not-sent"}, *cells[4:]],
    "repeated-id": lambda cells: [*cells[:3], {**cells[3], "id": cells[2]["id"]}, *cells[4:]],
    "out-of-order": lambda cells: [*cells[:2], cells[3], cells[2], *cells[4:]],
    "missing": lambda cells: cells[:-1],
}


class TamperingRunner(LocalRunner):
    """Real warm workers, whose replies are changed on the way back to the grader."""

    def submit(self, request):
        code = "\n".join(cell["source"] for cell in request["cells"])
        fate = next((fate for fate in TAMPER if f"# TAMPER {fate}" in code), None)
        running = super().submit(request)
        if fate is None:
            return running
        tampered = concurrent.futures.Future()

        def arrived(future):
            reply = future.result()
            tampered.set_result({**reply, "cells": TAMPER[fate](reply["cells"])})

        running.add_done_callback(arrived)
        return tampered


def without_ids(nb) -> str:
    """A notebook as an older Jupyter saved it: nbformat 4.4, no cell ids."""
    nb = nbformat.from_dict(nb)
    nb.nbformat_minor = 4
    for cell in nb.cells:
        cell.pop("id")
    return json.dumps(nb)


@pytest.mark.grading
def test_outputs_that_do_not_fit_their_cells_are_never_graded(tmp_path, monkeypatch):
    """A reply whose cells are not the notebook's gives a status and no score from misplaced
    outputs, and is graded again next run; honest notebooks, with ids or without, grade as ever."""
    import autograde.workers.cluster

    monkeypatch.setattr(autograde.workers.cluster, "LocalRunner", TamperingRunner)
    solved = ex.solved(ex.NB1)
    students = {"honest": {ex.NB1: ex.text(solved)}, "no-ids": {ex.NB1: without_ids(solved)}}
    students.update({f"tamper-{fate}": {ex.NB1: ex.with_cell(solved, "ex1-dot-scores", f"# TAMPER {fate}")} for fate in TAMPER})
    out = tmp_path / "out"
    rows = {r.student_id: r for r in grade(ex.write_class(tmp_path / "class", students), out,
                                          settings=Settings(workers=1)) if r.notebook == ex.NB1[:-6]}
    assert (rows["honest"].score, rows["honest"].status) == (6.0, "ok")
    assert (rows["no-ids"].score, rows["no-ids"].status) == (6.0, "ok")
    autograded = nbformat.read(out / ".nbgrader" / "autograded" / "no-ids" / "ch03" / ex.NB1, as_version=4)
    assert autograded.nbformat_minor == 5 and [c.id for c in autograded.cells][:2] == ["cell-0", "cell-1"]
    for fate in TAMPER:
        row = rows[f"tamper-{fate}"]
        assert (row.score, row.status, row.graded) == (0.0, NOT_GRADED, False), row
        assert set(row.exercises.values()) == {0.0}
    assert set(load_state(out)) == {"honest", "no-ids"}  # the others are graded again next run
    assert "not-sent" in (out / "grading.log").read_text(encoding="utf-8")


def test_sanitizing_leaves_every_cell_an_id_of_its_own_the_same_every_run():
    from autograde.grading.preprocessors import GiveCellIds

    def handed_in():
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"x = {i}") for i in range(6)])
        nb.nbformat_minor = 4
        for cell, cell_id in zip(nb.cells, [None, None, "x", "x", "bad id!", "cell-1"]):
            cell.pop("id")
            if cell_id:
                cell["id"] = cell_id
        return nb

    ids = []
    for _ in range(2):
        nb, _ = GiveCellIds().preprocess(handed_in(), {})
        ids.append([cell.id for cell in nb.cells])
    assert ids[0] == ids[1] == ["cell-0", "cell-1-2", "x", "cell-3", "cell-4", "cell-1"]
    assert nb.nbformat_minor == 5
    nbformat.validate(nb)


def test_matching_cells_is_linear_in_their_number():
    """150,000 empty cells (a hand-in can hold that many): matched and put into the notebook at
    once. A list lookup per cell, as before, took minutes (20,000 cells: 1.9 s, growing with the
    square); here it takes about 2 s, and the bound is generous for any machine."""
    from autograde.grading.preprocessors import PrecomputedExecute
    from autograde.grading.recording import AUTOGRADE_KEY

    n = 150_000
    nb = nbformat.from_dict({"cells": [{"cell_type": "code", "id": f"cell-{i}", "source": "", "metadata": {}, "outputs": [],
                                        "execution_count": None} for i in range(n)], "metadata": {}})
    sent = protocol.code_cells(nb)
    full = reply([protocol.RanCell(id=cell["id"], outputs=[]) for cell in sent])
    started = time.monotonic()
    assert len(protocol.match_cells(sent, full)) == n
    with pytest.raises(protocol.Mismatch, match="twice"):  # the checks stay whole: a repeat near the end is found
        protocol.match_cells(sent, reply([*full["cells"][:-1], full["cells"][-2]]))
    resources = {AUTOGRADE_KEY: {"reply": full}, "nbgrader": {"student": "s", "notebook": "n"}}
    nb, _ = PrecomputedExecute().preprocess(nb, resources)
    assert nb.cells[-1].execution_count == n
    assert time.monotonic() - started < 10 * SLOW


def test_the_request_says_which_cells_are_tests():
    """nbgrader test cells (graded code, not an answer) are marked, so the worker runs them under
    the machinery the notebook started with (workers/pristine.py); the mark survives the wire."""
    from nbformat.v4 import new_code_cell, new_notebook

    def cell(source, **meta):
        made = new_code_cell(source, metadata={"nbgrader": meta} if meta else {})
        made["id"] = source
        return made

    nb = new_notebook(cells=[cell("a", grade=True, solution=False), cell("b", grade=True, solution=True),
                             cell("c", grade=False, solution=True), cell("d")])
    cells = protocol.code_cells(nb)
    assert [c["test"] for c in cells] == [True, False, False, False]
    assert [c["test"] for c in protocol.cells_of(json.loads(json.dumps({"cells": cells})))] == [True, False, False, False]
    assert protocol.handed_of({"token": "t", "source": "a", "test": True})["test"] is True
    assert protocol.handed_of({"token": "t", "source": "a", "test": "yes"})["test"] is False
