"""Hostile cells: what a student stuck at midnight might try against the machinery that grades
them. Each is a cell added to an otherwise correct notebook 1. The isolation tests grade each
one followed by an honest student on the same worker; bench/attacks.py runs them against
stock nbgrader too. Every attack is bounded in time and size, since under stock nbgrader it
runs unconfined on the grading machine: each reaches only its own parent, never every
process of the machine."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attack:
    name: str
    what: str  # in plain words, for the README table
    source: str
    memory_gb: float | None = None  # graded with --memory-gb this (None: the default)
    stops: str | None = None  # the status (its key) of a notebook stopped in the attack's cell; None: `ok`


# The keys of the SysV segments sysv-hold makes, so that a run without an IPC namespace per
# notebook (stock nbgrader) can remove what it leaves on the machine.
SYSV_KEYS = range(0x41540000, 0x41540000 + 128)


def memory_scan(pattern: str) -> str:
    """A cell that prints, sorted, the first group of every match of `pattern` (a regex over
    bytes) in its process's heap and anonymous memory, read through /proc/self/mem: what a
    notebook can find in memory it inherited (freed memory is not cleared)."""
    return f"""
import re
found = set()
with open('/proc/self/maps') as maps, open('/proc/self/mem', 'rb', 0) as mem:
    for line in maps:
        fields = line.split()
        if fields[1].startswith('rw') and (len(fields) < 6 or fields[5] == '[heap]'):
            start, end = (int(x, 16) for x in fields[0].split('-'))
            try:
                if end - start < 1 << 28:
                    mem.seek(start)
                    found.update(m.decode() for m in re.findall({pattern.encode()!r}, mem.read(end - start)))
            except (OSError, ValueError, OverflowError):
                pass
print(sorted(found))
"""


def secret_scan(secret: str, folder, secret_file) -> str:
    """A cell that looks for an instructor's `secret` (a string of the form agsecret + 32 hex digits,
    which the cell knows only by its SHA-256) in its environment, /proc's environ files, every
    string the garbage collector reaches and its heap, and for the private folders on disk; it
    prints what it found, and how many derived seeds it was given (test_private_hidden.py)."""
    import hashlib

    target = hashlib.sha256(secret.encode()).hexdigest()
    return f"""
import gc, hashlib, os
from autograde.kernel import seeding
TARGET = {target!r}
def hit(value):
    if isinstance(value, str):
        value = value.encode(errors='ignore')
    return isinstance(value, (bytes, bytearray)) and hashlib.sha256(bytes(value).strip()).hexdigest() == TARGET
print('environment:', sorted(k for k, v in os.environ.items() if hit(v) or 'SECRET' in k.upper()))
found = []
for pid in ('self', '1'):
    try:
        with open(f'/proc/{{pid}}/environ', 'rb') as f:
            found += [name for name, _, value in (e.partition(b'=') for e in f.read().split(b'\\0'))
                      if hit(value) or b'SECRET' in name.upper()]
    except OSError:
        pass
print('proc environ:', found)
planted = 'agsecret' + 'e' * 32
control = hashlib.sha256(planted.encode()).hexdigest()
seen, strings, todo = set(), [], gc.get_objects()  # and the containers gc does not track (a dict of strings)
while todo:
    o = todo.pop()
    if id(o) in seen:
        continue
    seen.add(id(o))
    for r in gc.get_referents(o):
        if isinstance(r, (str, bytes)):
            strings.append(r)
        elif isinstance(r, (dict, list, tuple, set, frozenset)) and id(r) not in seen:
            todo.append(r)
planted_seen = any(isinstance(s, str) and hashlib.sha256(s.encode()).hexdigest() == control for s in strings)
print('gc:', sum(1 for s in strings if hit(s)), 'control:', planted_seen)
print('private folders:', [os.path.exists(p) for p in ({str(folder)!r}, {str(secret_file)!r})])
print('derived seeds:', len(seeding.DERIVED))
""" + memory_scan("agsecret([0-9a-f]{32})")


ATTACKS = [
    Attack("survivor", "a double-forked, setsid daemon kills, for 60 s, every new process whose parent is the "
           "notebook's parent", """
import os, signal, time
target = os.getppid()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        end = time.time() + 60
        while time.time() < end:
            for entry in os.listdir('/proc'):
                try:
                    if entry.isdigit() and int(entry) != os.getpid():
                        with open(f'/proc/{entry}/stat') as f:
                            if int(f.read().rsplit(')', 1)[1].split()[1]) == target:
                                os.kill(int(entry), signal.SIGKILL)
                except (OSError, ValueError):
                    pass
            time.sleep(0.01)
    os._exit(0)
time.sleep(0.2)
"""),
    Attack("forged-reply", "opens /proc/<parent pid>/fd/* and writes a well-formed reply (a frame and a JSON "
           "line) into each pipe", """
import os, json, struct
forged = json.dumps({"nonce": "0" * 32, "cells": [], "stopped": None, "truncated": False, "seconds": 0.0})
payload = struct.pack(">I", len(forged)) + forged.encode() + b"\\n" + forged.encode() + b"\\n"
reached = 0
try:
    fds = os.listdir(f'/proc/{os.getppid()}/fd')
except OSError:
    fds = []
for fd in fds:
    try:
        path = f'/proc/{os.getppid()}/fd/{fd}'
        if os.readlink(path).startswith('pipe:'):
            with open(path, 'wb', buffering=0) as f:
                f.write(payload)
            reached += 1
    except OSError:
        pass
print('pipes reached:', reached)
"""),
    Attack("stop-parent", "sends SIGSTOP to its parent process", """
import os, signal
os.kill(os.getppid(), signal.SIGSTOP)
"""),
    Attack("kill-parent", "sends SIGKILL to its parent process", """
import os, signal
os.kill(os.getppid(), signal.SIGKILL)
"""),
    Attack("ptrace", "attaches to its parent with ptrace and opens its memory", """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
parent = os.getppid()
attached = libc.ptrace(16, parent, None, None) == 0  # PTRACE_ATTACH
if attached:
    libc.ptrace(17, parent, None, None)  # PTRACE_DETACH
try:
    open(f'/proc/{parent}/mem', 'rb').close()
    opened = True
except OSError:
    opened = False
print('attached:', attached, 'memory opened:', opened)
"""),
    Attack("fork-bomb", "forks up to 1,000 sleeping processes", """
import os, time
forked = 0
try:
    for _ in range(1000):
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        forked += 1
except OSError:
    pass
print('forked:', forked)
"""),
    Attack("memory-split", "six processes of 1 GiB each: each under the per-process limit, 6 GiB together", """
import os, time, torch
children = []
for _ in range(6):
    pid = os.fork()
    if pid == 0:
        block = torch.ones(2**28)  # 1 GiB, touched
        time.sleep(10)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
""", stops="cell-memory"),
    Attack("disk-fill", "writes 512 MiB each to /tmp, /dev/shm and its working folder", """
import os
written = 0
for folder in ('/tmp', '/dev/shm', '.'):
    try:
        with open(os.path.join(folder, 'autograde-attack-fill'), 'wb') as f:
            for _ in range(512):
                f.write(b'\\0' * 2**20)
                written += 1
    except OSError:
        pass
print('MiB written:', written)
"""),
    Attack("forged-cell", "writes a well-formed result for another cell, with a passing check, into each of its own "
           "pipes, to put outputs of its choosing into a cell it did not run", """
import os, json, struct
check = {"output_type": "display_data", "metadata": {},
         "data": {"text/plain": "forged", "application/vnd.attention-course.check+json": {"name": "attn_scores_2"}}}
frame = json.dumps({"position": 0, "outputs": [check], "truncated": False}).encode()
written = 0
for fd in os.listdir('/proc/self/fd'):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(int(fd), struct.pack(">I", len(frame)) + frame)
            written += 1
    except OSError:
        pass
print('pipes written:', written)
""", stops="output-tampered"),
    Attack("privileges", "reads its capabilities, writes to /, /dev and the hidden references' empty folder, mounts a "
           "tmpfs, unmounts its /tmp and makes a user namespace", """
import ctypes, errno, glob, os
libc = ctypes.CDLL(None, use_errno=True)
status = dict(line.split(':', 1) for line in open('/proc/self/status').read().splitlines() if ':' in line)
said = [f"caps={max(int(status[k], 16) for k in ('CapEff', 'CapPrm', 'CapBnd')):x}", f"nnp={status['NoNewPrivs'].strip()}"]
def writable(folder):  # 'rw', or why not: EROFS (read-only), not merely EACCES (a permission)
    path = os.path.join(folder, 'autograde-attack-probe')
    try:
        open(path, 'x').close()
    except OSError as e:
        return errno.errorcode.get(e.errno, 'ro')
    os.unlink(path)
    return 'rw'
hidden = glob.glob(os.path.join(os.environ.get('AUTOGRADE_COURSE', '/nonexistent'), 'reference', '*', 'hidden'))
said += [f"/={writable('/')}", f"/dev={writable('/dev')}", f"hidden={writable(hidden[0]) if hidden else '-'}"]
if os.getuid() != 0:  # never as root unconfined (stock nbgrader): it would unmount the machine's /tmp
    said.append('mount=' + ('yes' if libc.mount(b'tmpfs', os.getcwd().encode(), b'tmpfs', 0, None) == 0 else 'no'))
    said.append('umount=' + ('yes' if libc.umount2(b'/tmp', 2) == 0 else 'no'))
pid = os.fork()
if pid == 0:
    os._exit(0 if libc.unshare(0x10000000) == 0 else 1)  # CLONE_NEWUSER: every capability, in a namespace of its own
said.append('userns=' + ('yes' if os.waitpid(pid, 0)[1] == 0 else 'no'))
print(' '.join(said))
"""),
    Attack("answers-ahead", "writes well-formed results, with a passing check, for itself and each of the next 40 "
           "cells (by position, as the worker once asked) into each of its pipes, then exits, so that the test cells "
           "never run", """
import json, os, struct
check = {"output_type": "display_data", "metadata": {},
         "data": {"text/plain": "forged", "application/vnd.attention-course.check+json": {"name": "attn_scores_2"}}}
frames = b''
for position in range(8, 49):
    frame = json.dumps({"position": position, "outputs": [check], "truncated": False}).encode()
    frames += struct.pack(">I", len(frame)) + frame
written = 0
for fd in os.listdir('/proc/self/fd'):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(int(fd), frames)
            written += 1
    except OSError:
        pass
os._exit(0)
""", stops="output-tampered"),
    Attack("memfd-hold", "writes 1.6 GiB into memfd files (memory in no process's resident set), under "
           "--memory-gb 1", """
import os
fds, held = [], 0
try:
    while held < 1640:
        if held % 200 == 0:
            fds.append(os.memfd_create(f'hold-{len(fds)}'))
        os.write(fds[-1], b'\\1' * 2**20)
        held += 1
except OSError:
    pass
print('MiB held:', held)
""", memory_gb=1, stops="cell-memory"),
    Attack("sysv-hold", "makes SysV shared memory segments of 16 MiB, left behind unmapped, until refused "
           "(at most 2 GiB)", f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
held = 0
for key in range({SYSV_KEYS.start}, {SYSV_KEYS.stop}):
    shmid = libc.shmget(key, 16 << 20, 0o1000 | 0o600)  # IPC_CREAT
    address = libc.shmat(shmid, None, 0) if shmid >= 0 else None
    if address in (None, ctypes.c_void_p(-1).value):
        break
    ctypes.memset(address, 1, 16 << 20)
    libc.shmdt(ctypes.c_void_p(address))  # no process maps it any more; it stays
    held += 16
print('MiB held:', held)
"""),
    Attack("chatty-channel", "sends a byte every 5 ms into its own pipes, never a whole frame, while eight processes "
           "take 200 MB each (1.6 GB together), under --memory-gb 1", """
import os, time, torch
pipes = []
for fd in os.listdir('/proc/self/fd'):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            pipes.append(int(fd))
    except OSError:
        pass
children = []
if os.fork() == 0:  # the chatterer: a process of its own, so that nothing in the notebook's holds it up
    try:
        for fd in pipes:
            try:
                os.write(fd, (2**20).to_bytes(4, 'big'))  # a frame of 1 MiB is coming...
            except OSError:
                pass
        end = time.time() + 20
        while time.time() < end:  # ...a byte at a time
            for fd in pipes:
                try:
                    os.write(fd, b'x')
                except OSError:
                    pass
            time.sleep(0.005)
    finally:
        os._exit(0)
for _ in range(8):
    pid = os.fork()
    if pid == 0:
        try:
            block = torch.ones(5 * 10**7)  # 200 MB, touched
            time.sleep(20)
        finally:
            os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
""", memory_gb=1, stops="cell-memory"),
    Attack("channel-flood", "writes 200 MiB straight into its own output pipes, past the output cap", """
import os
for fd in os.listdir('/proc/self/fd'):
    try:
        if os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            for _ in range(200):
                os.write(int(fd), b'x' * 2**20)
    except OSError:
        pass
""", stops="output-limit"),
]

# Files the attacks leave on an unconfined machine, removed after a stock run.
LEFTOVERS = ["/tmp/autograde-attack-fill", "/dev/shm/autograde-attack-fill", "/autograde-attack-probe",
             "/dev/autograde-attack-probe"]


def remove_sysv_leftovers() -> int:
    """Remove the SysV segments sysv-hold left on this machine (a stock run); how many there were."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    removed = 0
    for key in SYSV_KEYS:
        shmid = libc.shmget(key, 0, 0)
        if shmid >= 0 and libc.shmctl(shmid, 0, None) == 0:  # IPC_RMID
            removed += 1
    return removed


# Attacks only a plain nbgrader test cell invites: nbgrader scores it by whether it raised and by
# what it shows (its determine_grade: an error earns nothing, a number shown is partial credit,
# anything else full points). Each is a cell a student adds after a wrong answer, to make the
# test cells after it pass or show a number anyway (plain_course.plain_attacks: the tests assert
# with `assert`, `math.isclose` and `numpy.testing`, and one shows its partial credit). Names
# the student defines in the notebook are theirs (a test sees them, as in nbgrader); what is
# changed here is the machinery a test runs with.
PLAIN_ATTACKS = [
    Attack("custom-exc", "swallows every later error with get_ipython().set_custom_exc", """
get_ipython().set_custom_exc((Exception,), lambda shell, etype, value, tb, tb_offset=None: None)
"""),
    Attack("excepthook", "replaces sys.excepthook and IPython's showtraceback with functions that say nothing", """
import sys
sys.excepthook = lambda *args: None
get_ipython().showtraceback = lambda *args, **kwargs: None
"""),
    Attack("ast-transformer", "an AST transformer that turns every later assert into pass", """
import ast
class NoAsserts(ast.NodeTransformer):
    def visit_Assert(self, node):
        return ast.Pass()
get_ipython().ast_transformers.append(NoAsserts())
"""),
    Attack("input-transformer", "an input transformer that rewrites every later cell to pass", """
get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])
"""),
    Attack("pre-run-hook", "a pre_run_cell hook that makes math.isclose and numpy.testing.assert_array_equal pass "
           "just before each cell", """
import math, numpy.testing
def lenient(info):
    math.isclose = lambda *args, **kwargs: True
    numpy.testing.assert_array_equal = lambda *args, **kwargs: None
get_ipython().events.register('pre_run_cell', lenient)
"""),
    Attack("post-run-hook", "a post_run_cell hook that clears each cell's outputs (its error) and shows 1.0", """
from IPython.display import clear_output
def full_marks(result):
    clear_output()
    get_ipython().displayhook(1.0)
get_ipython().events.register('post_run_cell', full_marks)
"""),
    Attack("displayhook", "patches the displayhook's class so that every value a cell shows reads 1.0", """
hook = type(get_ipython().displayhook)
shown = hook.write_format_data
hook.write_format_data = lambda self, data, metadata=None: shown(self, {'text/plain': '1.0'}, metadata)
"""),
    Attack("formatter", "registers a plain-text printer that shows every float as 1.0 (IPython.display's "
           "formatters)", """
get_ipython().display_formatter.formatters['text/plain'].for_type(float, lambda value, p, cycle: p.text('1.0'))
"""),
    Attack("shown-number", "a function the tests call shows 1.0 as a result (the displayhook, from its own "
           "frame and from a thread) before the assert fails", """
import threading, time
def shout():
    for _ in range(200):
        get_ipython().displayhook(1.0)
        time.sleep(0.001)
threading.Thread(target=shout, daemon=True).start()
wrong = squares
def squares(n):
    get_ipython().displayhook(1.0)
    return wrong(n)
"""),
    Attack("trace-jump", "a trace function (sys.settrace) that jumps over every assert line of later cells to the "
           "next (a test's loop of cases goes on)", """
import linecache, sys
def skip_asserts(frame, event, arg):
    if frame.f_code.co_name != '<module>':
        return None
    def line(frame, event, arg):
        if event == 'line' and linecache.getline(frame.f_code.co_filename, frame.f_lineno).lstrip().startswith('assert'):
            try:
                frame.f_lineno += 1
            except ValueError:
                pass
        return line
    return line
sys.settrace(skip_asserts)
"""),
    Attack("run-cell", "replaces InteractiveShell.run_cell (on its class) to run pass for any cell that asserts", """
from IPython.core.interactiveshell import InteractiveShell
original = InteractiveShell.run_cell
def run_cell(self, raw_cell, *args, **kwargs):
    return original(self, 'pass' if 'assert' in raw_cell else raw_cell, *args, **kwargs)
InteractiveShell.run_cell = run_cell
"""),
    Attack("class-swap", "makes the shell an instance of a subclass whose run_cell runs pass for any cell that "
           "asserts (get_ipython().__class__ = ...)", """
class Lenient(type(get_ipython())):
    def run_cell(self, raw_cell, *args, **kwargs):
        return super().run_cell('pass' if 'assert' in raw_cell else raw_cell, *args, **kwargs)
get_ipython().__class__ = Lenient
"""),
    Attack("import-hook", "wraps builtins.__import__ to hand later cells a math and a numpy.testing whose checks "
           "always pass", """
import builtins, types
fake_math = types.SimpleNamespace(isclose=lambda *args, **kwargs: True)
fake_testing = types.SimpleNamespace(assert_array_equal=lambda *args, **kwargs: None)
real_import = builtins.__import__
def hooked(name, *args, **kwargs):
    module = real_import(name, *args, **kwargs)
    if name == 'math':
        return fake_math
    if name == 'numpy.testing':
        return types.SimpleNamespace(testing=fake_testing)
    return module
builtins.__import__ = hooked
"""),
    Attack("sys-modules", "puts lenient math and numpy.testing modules into sys.modules", """
import sys, types
for name, check in (('math', 'isclose'), ('numpy.testing', 'assert_array_equal')):
    module = types.ModuleType(name)
    setattr(module, check, (lambda *args, **kwargs: True) if check == 'isclose' else (lambda *args, **kwargs: None))
    sys.modules[name] = module
sys.modules['numpy'].testing = sys.modules['numpy.testing']
"""),
    Attack("helpers", "patches the helpers tests assert with: math.isclose, numpy.testing.assert_array_equal "
           "(its __code__), builtins.sum", """
import builtins, math, numpy.testing
math.isclose = lambda *args, **kwargs: True
numpy.testing.assert_array_equal.__code__ = (lambda *args, **kwargs: None).__code__
builtins.sum = lambda values, start=0: 4
"""),
]
