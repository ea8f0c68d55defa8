"""Confining one notebook inside a warm worker (zygote.py), with Linux namespaces.

For every notebook the worker forks a middle process that makes a new PID namespace and a
new mount namespace, and forks the notebook's first process into them (pid 1 there):
- When that process ends or is killed, the kernel kills every process left in its PID
  namespace: daemons, new sessions and process groups, double forks, threads.
- From inside, the worker has no pid: getppid() is 0, kill() cannot name it, and the
  notebook's own /proc lists only its own processes.
- /tmp is a fresh tmpfs of `disk_bytes` (its work folder and /dev/shm live in it), freed with
  the namespace.
- Its own IPC namespace: SysV shared memory, semaphores and POSIX message queues it makes die
  with it, and its SysV segments are capped at SYSV_SHM_BYTES in all.
- Run as root (bubblewrap as root keeps CAP_SETUID for this), the notebook then drops to a uid of
  its own, so it shares nothing with the worker; otherwise a user namespace in which the
  middle process is root lets an unprivileged worker do the same (the notebook is root there
  only until it has set its limits, then moves into a nested namespace as the grading user),
  and the worker, marked non-dumpable, stays out of reach of ptrace and /proc/PID/fd. Either
  way the notebook ends up in a user namespace of its own that may make no further one: in a
  new one it would get capabilities back and could mount a tmpfs, memory the worker's watchdog
  would not see.
- Either way the notebook keeps no capability (none effective, permitted or in its bounding
  set) and runs with no_new_privs, before its first cell: it cannot unmount its /tmp, mount
  anything or gain a capability back. A step that fails is a ConfineError: the notebook does
  not start, and grading calls that the machinery's failure, never the notebook's.
"""
from __future__ import annotations

import ctypes
import os
import resource

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x08000000, 0x10000000, 0x20000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x1, 0x2, 0x4, 0x8, 0x20, 0x1000, 0x4000, 0x40000
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 0x400, 0x800, 0x200000
PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 4, 24, 38, 47
PR_CAP_AMBIENT_CLEAR_ALL = 4
LINUX_CAPABILITY_VERSION_3 = 0x20080522
WORK = "/tmp/work"
# SysV shared memory a notebook may hold, in its own IPC namespace. Nothing of the course uses it,
# and a segment nobody maps is in no process's memory, so the watchdog could not see it: capped.
SYSV_SHM_BYTES = 32 * 2**20
PAGE = os.sysconf("SC_PAGE_SIZE")

_libc = ctypes.CDLL(None, use_errno=True)


class ConfineError(OSError):
    pass


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise ConfineError(errno, f"{what}: {os.strerror(errno)}")


def set_dumpable(flag: bool) -> None:
    _check(_libc.prctl(PR_SET_DUMPABLE, int(flag), 0, 0, 0), "prctl(PR_SET_DUMPABLE)")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                       data and data.encode()), f"mount {target}")


def new_namespaces(disk_bytes: int, keep: list[str] = (), withheld: list[str] = (), stub: str | None = None) -> None:
    """In the middle process: new PID, mount and IPC namespaces for the notebook's processes (its
    next child is their pid 1), with a fresh /tmp in which the folders of `keep` that live
    under /tmp (Python, the course) stay visible, read-only, and each file of `withheld` (with
    its compiled copies) replaced by `stub`. Raises ConfineError where the machine does not
    allow it."""
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")
    else:
        _check(_libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC), "unshare")
        # root in this namespace, as a root worker's notebooks start: only root of the namespace
        # that owns an IPC namespace may cap its SysV memory; the notebook leaves it for its own uid
        _map_ids(0, uid, gid, user_namespaces=True)
        set_dumpable(False)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)  # nothing mounted here shows outside
    # held open across the new mount on /tmp, to bind them back inside it (opened in this
    # namespace: a bind's source must be one of its own mounts)
    kept = [(path, os.open(path, os.O_PATH | os.O_DIRECTORY)) for path in keep
            if path.startswith("/tmp/") and os.path.isdir(path)]
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={int(disk_bytes)},mode=1777")
    for path, fd in kept:
        os.makedirs(path, mode=0o755, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)  # with what is mounted inside (hidden references)
        _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | _locked_flags(path))
        os.close(fd)
    os.mkdir(WORK, 0o700)
    if os.path.isdir("/dev/shm"):
        os.mkdir("/tmp/.shm", 0o1777)
        os.chmod("/tmp/.shm", 0o1777)
        _mount("/tmp/.shm", "/dev/shm", None, MS_BIND)
    if withheld:
        _withhold(withheld, stub)


def _withhold(paths: list[str], stub: str) -> None:
    """`stub` in place of each of `paths` and of its compiled copies in __pycache__ (read as a
    compiled file, the stub is invalid, so Python compiles the stub's source instead), read-only.
    A file that is not there has nothing to hide; one that cannot be covered is an error."""
    for path in paths:
        folder, name = os.path.split(path)
        cache = os.path.join(folder, "__pycache__")
        compiled = [os.path.join(cache, f) for f in (os.listdir(cache) if os.path.isdir(cache) else ())
                    if f.startswith(name[:-3] + ".") and f.endswith(".pyc")]
        for target in [path, *compiled] if os.path.exists(path) else compiled:
            _mount(stub, target, None, MS_BIND)
            _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY | _locked_flags(target))


def _locked_flags(path: str) -> int:
    """The flags of the mount at `path` that a remount must keep: in a user namespace, those a
    more privileged one set (nosuid, nodev, noexec, atime) are locked, and a remount that drops
    them is refused (bubblewrap's binds, seen from a nested namespace: the course under /tmp)."""
    have = os.statvfs(path).f_flag
    kept = {os.ST_NOSUID: MS_NOSUID, os.ST_NODEV: MS_NODEV, os.ST_NOEXEC: MS_NOEXEC, os.ST_NOATIME: MS_NOATIME,
            os.ST_NODIRATIME: MS_NODIRATIME, os.ST_RELATIME: MS_RELATIME}
    return sum(flag for st, flag in kept.items() if have & st)


def enter_as_notebook(notebook_uid: int | None, max_processes: int, memory_bytes: int, disk_bytes: int,
                      isolated: bool = True) -> None:
    """In the notebook's first process, before any student code: its own /proc (where it has
    its own namespaces), its limits, (where the worker is root) its own uid, and no capability.
    Raises ConfineError (or OSError) if any of it fails."""
    if isolated:  # its own PID namespace: a fresh /proc lists its processes only
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        _cap_sysv_shm()  # never the machine's own IPC limits
    limits = {resource.RLIMIT_AS: memory_bytes, resource.RLIMIT_CORE: 0, resource.RLIMIT_FSIZE: disk_bytes,
              resource.RLIMIT_NPROC: max_processes}
    for kind, value in limits.items():
        resource.setrlimit(kind, (value, value))
    if isolated and notebook_uid is None and os.getuid() == 0:  # root of the namespace new_namespaces made
        outer_uid, outer_gid = _outer_id("uid_map"), _outer_id("gid_map")  # the grading user's
        _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
        _map_ids(outer_uid, 0, 0, inner_gid=outer_gid)
    elif notebook_uid is not None and os.getuid() == 0:
        os.chown(WORK, notebook_uid, notebook_uid)
        os.setgroups([])
        os.setresgid(notebook_uid, notebook_uid, notebook_uid)
        os.setresuid(notebook_uid, notebook_uid, notebook_uid)
        if isolated:  # in a user namespace of its own that makes none below it
            _check(_libc.unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)")
            _map_ids(notebook_uid, notebook_uid, notebook_uid)
    if isolated:  # needs CAP_SETPCAP, held in its own user namespace (a process without namespaces never had it)
        _drop_bounding_set()
    _drop_capabilities()
    set_dumpable(True)  # its own /proc files stay readable to itself


def _map_ids(inner: int, outer: int, outer_gid: int, inner_gid: int | None = None, user_namespaces: bool = False) -> None:
    """In a user namespace just made: uid `inner` in it is `outer` outside it (gid `inner_gid`,
    by default `inner`, is `outer_gid`), and unless `user_namespaces`, no user namespace below it
    (in one, a notebook would hold every capability again)."""
    inner_gid = inner if inner_gid is None else inner_gid
    set_dumpable(True)  # a non-dumpable process may not write its own uid_map
    writes = [("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"{inner} {outer} 1"),
              ("/proc/self/gid_map", f"{inner_gid} {outer_gid} 1")]
    if not user_namespaces:
        writes.append(("/proc/sys/user/max_user_namespaces", "0"))
    for path, text in writes:
        with open(path, "w") as f:
            f.write(text)


def _outer_id(kind: str) -> int:
    """What this namespace's root (id 0) is outside it, from /proc/self/uid_map or gid_map."""
    with open(f"/proc/self/{kind}") as f:
        inner, outer, _ = f.read().split()[:3]
    if inner != "0":
        raise ConfineError(0, f"{kind} maps no root")
    return int(outer)


def _drop_bounding_set() -> None:
    """Every capability out of the bounding set: none can come back, by exec or otherwise."""
    for cap in range(64):
        if _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            if ctypes.get_errno() == 22 and cap > 0:  # EINVAL: past the last capability this kernel has
                return
            _check(-1, f"prctl(PR_CAPBSET_DROP, {cap})")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def _drop_capabilities() -> None:
    """No effective, permitted, inheritable or ambient capability, and no_new_privs."""
    _check(_libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0), "prctl(PR_CAP_AMBIENT_CLEAR_ALL)")
    header, data = _CapHeader(LINUX_CAPABILITY_VERSION_3, 0), (_CapData * 2)()
    _check(_libc.capset(ctypes.byref(header), data), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def _cap_sysv_shm() -> None:
    """Cap the SysV shared memory of the notebook's IPC namespace (the limits are its own), as
    its root (the machine's, or its user namespace's) before it becomes its own uid."""
    limits = {"shmmax": SYSV_SHM_BYTES, "shmall": SYSV_SHM_BYTES // PAGE, "shmmni": 64}
    for name, value in limits.items():
        with open(f"/proc/sys/kernel/{name}", "w") as f:
            f.write(str(value))


def memfd_bytes(pid: int) -> dict[tuple[int, int], int]:
    """The memfd files a process holds open, each (device, inode) with the bytes it has
    allocated: their pages are in no process's resident memory unless mapped."""
    found = {}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return found
    for fd in fds:
        path = f"/proc/{pid}/fd/{fd}"
        try:
            if os.readlink(path).startswith("/memfd:"):
                st = os.stat(path)
                found[(st.st_dev, st.st_ino)] = st.st_blocks * 512
        except OSError:
            continue  # closed meanwhile
    return found


def status_bytes(pid: int, *fields: str) -> int | None:
    """Fields of /proc/PID/status (RssAnon, RssShmem, ...) added up, in bytes, or None if the
    process is gone."""
    return _kilobytes(f"/proc/{pid}/status", fields)


def stat_fields(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the command name (state, ppid, ...; see proc(5)),
    or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    return stat[stat.rindex(b")") + 2:].split()


def smaps_bytes(pid: int, *fields: str) -> int | None:
    """Fields of /proc/PID/smaps_rollup (Pss, Pss_Anon, ...; Pss if none is named) added up, in
    bytes, or None if the process is gone."""
    return _kilobytes(f"/proc/{pid}/smaps_rollup", fields or ("Pss",))


def _kilobytes(path: str, fields: tuple[str, ...]) -> int | None:
    """The `fields` of a /proc file of `name:  N kB` lines added up, in bytes; None if it is gone."""
    try:
        with open(path) as f:
            return sum(int(line.split()[1]) * 1024 for line in f if line.split(":", 1)[0] in fields)
    except (OSError, IndexError, ValueError):
        return None


def processes_under(root: int) -> list[int]:
    """`root` and its descendants, by parent pid in /proc. A notebook's orphans are
    re-parented to its pid 1, so this is all of its processes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = stat_fields(int(entry))
            if fields is not None:
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def state_of(pid: int) -> str | None:
    """The process's state letter (R, S, T for stopped, ...), or None if it is gone."""
    fields = stat_fields(pid)
    return fields[0].decode() if fields else None
