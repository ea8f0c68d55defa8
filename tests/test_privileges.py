"""Graded as root or as any other user, a notebook holds no capability and sees a read-only
system, asserted from what the attack (hostile.py's `privileges`) reports about itself; and a
notebook that could not be confined did not start, which is the machinery's failure, never a
grade. CI runs this file as root and again as an unprivileged user (.ci/run)."""
import os

import pytest

from autograde.grading.grader import Settings
from autograde.workers import confine, protocol, zygote
from autograde.workers.sandbox import bubblewrap
from autograde.workers.warm import WarmPool

import wire
from hostile import ATTACKS
import skips

PRIVILEGES = next(a.source for a in ATTACKS if a.name == "privileges")


@pytest.fixture(scope="module")
def reported(tmp_path_factory):
    """What the attack printed about itself, field by field, with a later cell of the same notebook."""
    if not bubblewrap():
        pytest.skip(skips.no_sandbox())
    with WarmPool(1, tmp_path_factory.mktemp("workers")) as pool:
        reply = pool.run(Settings(timeout=10).request(wire.cells(PRIVILEGES, "print('still running')")))
    texts = ["".join(o.get("text", "") for o in cell) for cell in wire.outputs(reply["cells"])]
    assert reply["stopped"] is None and texts[1] == "still running\n", reply
    return dict(field.split("=", 1) for field in texts[0].split())


def test_the_notebook_holds_no_capability(reported):
    assert reported["caps"] == "0" and reported["nnp"] == "1"  # CapEff, CapPrm and CapBnd all empty


def test_the_root_dev_and_hidden_folders_are_read_only(reported):
    assert (reported["/"], reported["/dev"], reported["hidden"]) == ("ro", "ro", "ro")


def test_it_can_neither_mount_nor_unmount_its_tmp(reported):
    assert (reported["mount"], reported["umount"]) == ("no", "no")


def test_it_makes_no_user_namespace(reported):
    """In one, it would hold every capability again (over that namespace's own mounts)."""
    assert reported["userns"] == "no"


def test_a_notebook_whose_proc_cannot_be_mounted_did_not_start(tmp_path, monkeypatch):
    """The worker's own code, in this process: the mount of the notebook's /proc fails, so the
    reply says it could not start (the machinery's failure), and no cell ran."""
    mount = confine._mount

    def no_proc(source, target, fstype, flags, data=None):
        if fstype == "proc":
            raise confine.ConfineError(1, "mount /proc: refused here")
        return mount(source, target, fstype, flags, data)

    monkeypatch.setattr(confine, "_mount", no_proc)
    request = Settings(timeout=5).request(wire.cells("print('ran')"))
    limits = {**protocol.limits_of(request), "keep": [], "notebook_uid": None, "require_isolation": True,
              "fallback_root": str(tmp_path)}
    read, write = os.pipe()
    protocol.send(write, protocol.Nonce(nonce="0" * 32))  # as the grader sends them: the nonce, then the cells
    protocol.send(write, protocol.Cells(cells=request["cells"]))
    try:
        reply = zygote.run(limits, (None, None, None), protocol.FrameReader(read, max_bytes=1 << 20))
    finally:
        os.close(read)
        os.close(write)
    assert reply["stopped"] == {"id": "code-0", "why": protocol.COULD_NOT_START} and reply["cells"] == []
