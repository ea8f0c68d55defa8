"""The wire between grader and workers: frames read exactly, and a worker whose answer is not
the one asked for (wrong nonce, an extra frame, garbage) is replaced, charging only the
notebook it was running."""
import os
import subprocess
import sys
import time

import pytest

from autograde import course
from autograde.workers import protocol
from autograde.grading.grader import Settings
from autograde.workers.sandbox import bubblewrap
from autograde.verdict.statuses import say
from autograde.workers.warm import NotebookBrokeWorker, Zygote

# A stand-in worker that answers every request in a way a real one never does.
FAKE = """
import sys
sys.path.insert(0, {root!r})
from autograde.workers import protocol
reader = protocol.FrameReader(0, 1 << 30)
protocol.send(1, {{"ready": True}})
while True:
    request = reader.read()
    nonce = reader.read()["nonce"]
    reply = {{"nonce": nonce, "outputs": [], "stopped": None, "truncated": False, "seconds": 0.0}}
    {answer}
"""
ANSWERS = {
    "wrong nonce": 'protocol.send(1, {**reply, "nonce": "0" * 32})',
    "an extra frame first": 'protocol.send(1, {**reply, "nonce": "forged"}); protocol.send(1, reply)',
    "garbage": 'sys.stdout.buffer.write(b"\\x00\\x00\\x00\\x05hello"); sys.stdout.flush()',
    "more cells than asked": 'protocol.send(1, {**reply, "outputs": [[], [], []]})',
}


def test_frames_are_read_exactly_and_never_past_their_end():
    read_fd, write_fd = os.pipe()
    protocol.send(write_fd, {"first": 1})
    protocol.send(write_fd, {"second": 2})
    reader = protocol.FrameReader(read_fd, max_bytes=1 << 20)
    assert reader.read(time.monotonic() + 5) == {"first": 1}
    rest = os.read(read_fd, 1 << 16)  # the second frame is still in the pipe, for whoever reads next
    assert rest == protocol.encode({"second": 2})


def test_a_frame_over_the_cap_and_a_silent_writer_are_refused():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b"xxxx")
    with pytest.raises(protocol.TooLarge):
        protocol.FrameReader(read_fd, max_bytes=1 << 20).read(time.monotonic() + 5)
    quiet_r, _quiet_w = os.pipe()
    started = time.monotonic()
    with pytest.raises(protocol.TimedOut):
        protocol.FrameReader(quiet_r, max_bytes=1 << 20).read(time.monotonic() + 0.3)
    assert time.monotonic() - started < 2


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
            zygote._run_once(Settings(timeout=5).request(["print(1)"]))
        assert broke.value.status == say("worker-tampered")
        assert zygote.proc is None  # killed; the next notebook starts a real worker
        reply = zygote.run(Settings(timeout=5).request(["print(6 * 7)"]))
        assert reply["outputs"] == [[{"output_type": "stream", "name": "stdout", "text": "42\n"}]]
        assert zygote.proc.pid != fake_pid
    finally:
        zygote.close()
