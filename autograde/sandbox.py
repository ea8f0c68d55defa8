"""The sandbox a grading worker (zygote.py) runs in.

With bubblewrap, the worker sees a read-only system, Python and the autograde package
(with its hidden references replaced by an empty folder), a private /tmp and one writable
scratch folder, no network and no other processes; it talks to the grader over its
stdin and stdout. Without bubblewrap it runs with the same limits on each notebook
(memory, time, output) but can read what the grading user can read.
"""
from __future__ import annotations

import functools
import shutil
import site
import subprocess
import sys
from pathlib import Path

from .references import REFERENCE_DIR


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
    """`command` under bubblewrap, with `scratch` its only writable folder and `env` its whole environment."""
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
    args += ["--proc", "/proc", "--dev", "/dev", "--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    args.append("--clearenv")  # the grader's environment may hold secrets: none of it goes in
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]
