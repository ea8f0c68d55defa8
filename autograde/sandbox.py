"""Running a learner's kernel in a sandbox.

With bubblewrap, the kernel sees a read-only system, Python and the autograde package
(with its hidden references replaced by an empty folder), one writable scratch folder of
its own, no network and no other processes; it talks to the grader over Unix sockets in
that scratch folder (TCP on loopback is cut by the network namespace). Without
bubblewrap it still runs with resource limits, in its own scratch folder, but can read
what the grading user can read.
"""
from __future__ import annotations

import functools
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from traitlets import Integer, Unicode

from .references import REFERENCE_DIR

DEFAULT_MEMORY = 3 * 2**30


@functools.lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """The bwrap binary, if it is installed and allowed to create namespaces here."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return None
    trial = subprocess.run([bwrap, "--unshare-all", "--ro-bind", "/", "/", "true"], capture_output=True)
    return bwrap if trial.returncode == 0 else None


def _readable_roots() -> list[Path]:
    """Folders the kernel must read: Python, the environment and the package."""
    package = Path(__file__).resolve().parent
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}
    roots.update(Path(p).resolve() for p in site.getsitepackages() if Path(p).exists())
    return sorted(roots)


def bwrap_command(bwrap: str, scratch: Path, command: list[str], env: dict[str, str]) -> list[str]:
    args = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--tmpfs", "/tmp"]
    for system in ("/usr", "/etc", "/opt"):
        if Path(system).exists():
            args += ["--ro-bind", system, system]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", str(target.readlink()), str(target)]
        elif target.exists():
            args += ["--ro-bind", str(target), str(target)]
    for root in _readable_roots():
        args += ["--ro-bind", str(root), str(root)]
    hidden = (REFERENCE_DIR / "hidden").resolve()
    if hidden.exists():
        args += ["--tmpfs", str(hidden)]
    args += ["--proc", "/proc", "--dev", "/dev", "--bind", str(scratch), str(scratch), "--chdir", str(scratch),
             "--unsetenv", "JPY_PARENT_PID"]  # its pid means nothing inside the namespace
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel under bubblewrap (when available) and limits."""

    scratch = Unicode(help="the kernel's own writable folder; also holds its sockets").tag(config=True)
    memory_bytes = Integer(DEFAULT_MEMORY, help="address-space limit of the kernel").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        Path(self.scratch).mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="kernel-", dir=self.scratch))  # one per kernel: nothing carries over
        self.scratch = str(folder)
        self.transport = "ipc"
        self.ip = str(folder / "kernel")
        self.connection_file = str(folder / "kernel.json")
        # signals do not cross into the sandbox's process namespace; ask the kernel to interrupt itself
        self.kernel_spec.interrupt_mode = "message"

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        await super()._async_cleanup_resources(restart)
        if not restart:
            shutil.rmtree(self.scratch, ignore_errors=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        command = super().format_kernel_cmd(extra_arguments)
        limited = [sys.executable, "-m", "autograde.limits", str(self.memory_bytes), "--", *command]
        env = {"AUTOGRADE_MODE": "emit", "HOME": self.scratch, "TMPDIR": "/tmp" if bubblewrap() else self.scratch,
               "PYTHONDONTWRITEBYTECODE": "1", "MPLCONFIGDIR": self.scratch}
        bwrap = bubblewrap()
        if bwrap:
            return bwrap_command(bwrap, Path(self.scratch), limited, env)
        return limited

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw):
        # what the kernel itself prints (connection banners, a student's os.write(1, ...)) is not ours to show
        kw["stdout"] = kw["stderr"] = subprocess.DEVNULL
        if not bubblewrap():  # no namespace to carry the settings: pass them in the environment
            kw.setdefault("env", {}).update({"AUTOGRADE_MODE": "emit", "HOME": self.scratch, "TMPDIR": self.scratch})
            kw["cwd"] = self.scratch
        return await super()._async_launch_kernel(kernel_cmd, **kw)
