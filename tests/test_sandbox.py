"""What a student's kernel can reach under `autograde grade`."""
import asyncio

import pytest

from autograde.references import REFERENCE_DIR
from autograde.sandbox import SandboxedKernelManager, bubblewrap


async def run_in_kernel(scratch, code: str) -> str:
    km = SandboxedKernelManager(kernel_name="python3", scratch=str(scratch), memory_bytes=3 * 2**30)
    await km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        await kc.wait_for_ready(timeout=60)
        reply = await kc.execute_interactive(code, timeout=60, output_hook=lambda msg: outputs.append(msg))
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
    return "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")


outputs: list = []

PROBE = f"""
import os, socket, torch
print("hidden:", len(os.listdir({str(REFERENCE_DIR / 'hidden')!r})))
print("visible:", len(os.listdir({str(REFERENCE_DIR / 'visible')!r})))
print("mode:", os.environ.get("AUTOGRADE_MODE"))
try:
    torch.ones(2**30)
    print("memory: unlimited")
except RuntimeError:
    print("memory: limited")
"""

ISOLATION = f"""
import os, socket
print("solutions:", os.path.exists({str(REFERENCE_DIR.parent.parent / 'solutions')!r}))
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
"""


def test_kernel_runs_in_emit_mode_with_a_memory_limit(tmp_path):
    outputs.clear()
    text = asyncio.run(run_in_kernel(tmp_path, PROBE))
    assert "mode: emit" in text and "memory: limited" in text
    assert "visible: 5" in text
    if bubblewrap():
        assert "hidden: 0" in text
    assert not list(tmp_path.iterdir()), "the kernel's scratch folder is removed after it"


def test_sandbox_hides_the_course_and_the_network(tmp_path):
    if not bubblewrap():
        pytest.skip("bubblewrap is not installed (apt-get install bubblewrap): no filesystem or network isolation")
    outputs.clear()
    text = asyncio.run(run_in_kernel(tmp_path, ISOLATION))
    assert "solutions: False" in text and "network: closed" in text and "system: read-only" in text
