"""Every isolation claim of the README, attacked: a hostile notebook, then an honest student
graded right after it on the same (only) worker, who must keep exactly full marks and `ok`.
Then the grader's own defences: deadlines from outside, workers replaced, machinery failures
that are not grades, and no silent run without a sandbox."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from autograde import cli, course
from autograde.workers import confine
import example_class as ex
from autograde.grading.grader import NO_SANDBOX, NOT_GRADED, Settings, grade, load_state
from autograde.verdict.references import references
from autograde.workers.sandbox import bubblewrap
from autograde.verdict.statuses import say
from autograde.workers.warm import NotebookBrokeWorker, WarmPool, WorkerFailed, Zygote
from catalogued import assert_catalogued
from conftest import SLOW

import wire
import hostile
from hostile import ATTACKS

NB1 = ex.NB1
STEM1 = NB1[:-6]
BOUND = 420 * SLOW  # seconds: the whole class must be graded by then, whatever the attackers do


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())


@pytest.fixture(scope="module")
def attacked(tmp_path_factory, working_sandbox):
    """Attackers and honest students in turn, graded with one worker: one run for each
    --memory-gb the attacks ask for. The rows by student, the seconds of all runs, and the
    folder each student was graded into."""
    tmp = tmp_path_factory.mktemp("attacked")
    groups: dict = {}
    for i, attack in enumerate(ATTACKS, start=1):
        groups.setdefault(attack.memory_gb, []).append((i, attack))
    rows, outs, seconds = {}, {}, 0.0
    for run, (memory_gb, attacks) in enumerate(groups.items()):
        students = {"00-honest": {NB1: ex.text(ex.solved(NB1))}}
        for i, attack in attacks:
            students[f"{i:02d}a-{attack.name}"] = {NB1: ex.with_cell(ex.solved(NB1), "ex1-dot-scores", attack.source)}
            students[f"{i:02d}b-honest"] = {NB1: ex.text(ex.solved(NB1))}
        source = ex.write_class(tmp / f"class-{run}", students)
        limits = {"memory_bytes": int(memory_gb * 2**30)} if memory_gb else {}
        started = time.monotonic()
        # the course's own cell timeout (nbgrader_config.py): with 5 s, a limit the watchdog enforces
        # raced the cell's timeout on a busy machine (memory-split: `timeout` now and then); a
        # watchdog that missed it still fails here, as the attack's children end and the cell is `ok`
        graded = grade(source, tmp / f"out-{run}", settings=Settings(workers=1, **limits))
        seconds += time.monotonic() - started
        for r in graded:
            if r.notebook == STEM1:
                rows[r.student_id], outs[r.student_id] = r, tmp / f"out-{run}"
    return rows, seconds, outs


def attacker(attacked, name):
    rows, _, _ = attacked
    return next(row for student, row in rows.items() if student.endswith(f"a-{name}"))


def printed(attacked, name) -> str:
    """What the attack cell printed, as kept in the attacker's autograded notebook."""
    import nbformat

    _, _, outs = attacked
    student = attacker(attacked, name).student_id
    cells = nbformat.read(outs[student] / ".nbgrader" / "autograded" / student / "ch03" / NB1, as_version=4).cells
    index = next(i for i, c in enumerate(cells) if c.metadata.get("nbgrader", {}).get("grade_id") == "ex1-dot-scores")
    return "".join(o.get("text", "") for o in cells[index + 1].get("outputs", []) if o.get("output_type") == "stream")


def honest_after(attacked, name):
    rows, _, _ = attacked
    index = next(i for i, a in enumerate(ATTACKS, start=1) if a.name == name)
    return rows[f"{index:02d}b-honest"]


@pytest.mark.parametrize("name", [a.name for a in ATTACKS])
def test_an_honest_student_after_an_attack_keeps_full_marks(attacked, name):
    row = honest_after(attacked, name)
    assert (row.score, row.status) == (full_marks(), "ok"), row


def test_the_attacked_run_ends_in_bounded_time(attacked):
    rows, seconds, _ = attacked
    assert seconds < BOUND and len(rows) == 2 * len(ATTACKS) + 1


# What each attack earns its author: its own correct answers, and a status where it broke a limit
# (hostile.Attack.stops): memory-split, memfd-hold (memfds count toward its memory) and
# chatty-channel (the watchdog keeps its own clock) the memory limit; channel-flood the output
# cap; forged-cell and answers-ahead tampered output (stopped where they forged: no cell takes
# their outputs, and results for later cells answer nothing they were handed); sysv-hold is
# capped in its own IPC namespace (below) and gone with it.
@pytest.mark.parametrize("name, status", [(a.name, say(a.stops, cell=9) if a.stops else "ok") for a in ATTACKS])
def test_an_attacker_gets_what_its_own_code_earned(attacked, name, status):
    row = attacker(attacked, name)
    assert row.status == status, row
    if status == "ok":
        assert row.score == full_marks()


def test_cells_that_never_ran_earn_nothing(attacked):
    """The notebook answered ahead for the cells after the attack (the test cells of exercises 2
    and 3 among them) and exited: none of them ran, so they score nothing. Exercise 1's test
    cell ran before the attack and keeps its points."""
    row = attacker(attacked, "answers-ahead")
    assert row.exercises == {"ex1-dot-scores": 2.0, "ex2-softmax-naive": 0.0, "ex3-context-vector": 0.0}, row


def test_sysv_shared_memory_is_capped(attacked):
    """Segments nobody maps are in no process's memory: their own IPC namespace caps them."""
    assert printed(attacked, "sysv-hold") == f"MiB held: {confine.SYSV_SHM_BYTES >> 20}\n"


def test_attackers_get_statuses_from_the_catalogue(attacked):
    assert_catalogued(attacked[0].values())


def test_no_attacker_reached_a_pipe_of_its_worker_or_traced_it(attacked):
    """As each attack reported it, in its own graded notebook: no pipe of the worker written, no
    ptrace attach to its parent, no memory of it opened."""
    assert printed(attacked, "forged-reply") == "pipes reached: 0\n"
    assert printed(attacked, "ptrace") == "attached: False memory opened: False\n"


@pytest.mark.needs_sandbox
def test_the_worker_is_not_dumpable(tmp_path):
    """The worker clears PR_SET_DUMPABLE before it warms up, so that nothing else of its uid can
    ptrace it or open its /proc/PID/fd and mem: the kernel then gives its /proc files to root.
    As root every /proc file is root's anyway, so there this proves nothing; CI's unprivileged
    pass (.ci/run) asserts it as another user."""
    with WarmPool(1, tmp_path) as pool:
        reply = pool.run(Settings().request(wire.cells("print('warm')")))
        assert wire.outputs(reply["cells"])[0][0]["text"] == "warm\n"
        zygote = pool.zygotes[0]
        workers = []
        for pid in confine.processes_under(zygote.proc.pid):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if b"autograde.workers.zygote" not in argv or not os.path.basename(argv[0]).startswith(b"python"):
                    continue  # bwrap and its init carry the command line too: the worker is the Python
                with open(f"/proc/{pid}/status", encoding="utf-8") as f:
                    uid = int(next(line for line in f if line.startswith("Uid:")).split()[1])
                workers.append((pid, uid, os.stat(f"/proc/{pid}/fd").st_uid))
            except (OSError, StopIteration):
                pass
    assert workers, "no worker process found under the zygote"
    if os.geteuid() == 0:
        pytest.skip("as root every /proc file is root's: CI's unprivileged pass asserts that the worker is not dumpable")
    assert all(uid != 0 and fd_owner == 0 for _, uid, fd_owner in workers), workers  # runs as us, its /proc is root's


@pytest.mark.needs_sandbox
def test_a_notebook_sees_no_worker_pipe_and_no_other_process(tmp_path):
    """What the attacks above rely on is simply not there: no other pid, no parent, no pipe but its own."""
    probe = ("import ctypes, errno, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
             "print('ppid', os.getppid(), 'pids', sorted(p for p in os.listdir('/proc') if p.isdigit()))\n"
             "print('uid', os.getuid() != 0)\n"
             "attached = libc.ptrace(16, os.getppid(), None, None) == 0  # PTRACE_ATTACH\n"
             "print('ptrace parent', 'attached' if attached else errno.errorcode[ctypes.get_errno()])")
    with WarmPool(1, tmp_path) as pool:
        reply = pool.run(Settings().request(wire.cells(probe)))
    text = "".join(o.get("text", "") for o in wire.outputs(reply["cells"])[0])
    # the worker has no pid in the notebook's PID namespace: nothing to attach to (ESRCH)
    assert text == "ppid 0 pids ['1']\nuid True\nptrace parent ESRCH\n"


@pytest.mark.needs_sandbox
def test_a_fork_bomb_is_capped_and_disk_writes_are_bounded(tmp_path):
    by_name = {a.name: a.source for a in ATTACKS}
    settings = Settings()
    with WarmPool(1, tmp_path) as pool:
        forks = pool.run(settings.request(wire.cells(by_name["fork-bomb"])))
        disk = pool.run(settings.request(wire.cells(by_name["disk-fill"], "import os\nprint('left:', os.listdir('/tmp'), os.listdir('.'))")))
    forked = int("".join(o.get("text", "") for o in wire.outputs(forks["cells"])[0]).split("forked:")[1])
    assert 0 < forked < settings.max_processes
    texts = ["".join(o.get("text", "") for o in cell) for cell in wire.outputs(disk["cells"])]
    assert int(texts[0].split("MiB written:")[1]) <= settings.disk_bytes >> 20
    assert "autograde-attack-fill" in texts[1]  # a later cell of the same notebook still sees its files


@pytest.mark.needs_sandbox
def test_nothing_written_survives_into_the_next_notebook(tmp_path):
    settings = Settings()
    with WarmPool(1, tmp_path) as pool:
        pool.run(settings.request(wire.cells("open('/tmp/x', 'w').write('x'); open('/dev/shm/x', 'w').write('x'); open('x', 'w').write('x')")))
        reply = pool.run(settings.request(wire.cells("import os\nprint('x' in os.listdir('/tmp'), os.listdir('/dev/shm'), os.listdir('.'))")))
    assert wire.outputs(reply["cells"])[0][0]["text"] == "False [] []\n"


# The marker a cell writes where the test can see it: its process's name (PR_SET_NAME), which
# /proc shows outside the sandbox. A test acts on a worker only once its cell has started.
STARTED = "cell-started"
MARK_STARTED = f"import ctypes\nctypes.CDLL(None).prctl(15, {STARTED.encode()!r}, 0, 0, 0)\n"
# a cell that, once started, waits for the test's word (SIGUSR1): it runs for as long as the test needs
AWAIT_GO = ("import signal, time\ngo = []\nsignal.signal(signal.SIGUSR1, lambda *_: go.append(1))\n" + MARK_STARTED +
            "while not go:\n    time.sleep(0.01)\n")


def started_cell(zygote: Zygote, not_under: int | None = None) -> int:
    """The pid of the notebook process whose cell has started under `zygote`'s worker (not the
    worker `not_under`, which the test killed), waiting for it at most a minute (times SLOW)."""
    deadline = time.monotonic() + 60 * SLOW
    while time.monotonic() < deadline:
        proc = zygote.proc
        if proc is not None and proc.pid != not_under:
            for pid in confine.processes_under(proc.pid):
                try:
                    with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
                        if f.read().strip() == STARTED:
                            return pid
                except OSError:
                    pass
        time.sleep(0.02)
    raise AssertionError(f"no cell started under the worker within {60 * SLOW:g} s")


def meanwhile(action) -> list:
    """Run `action` on a thread (the test's thread waits for the worker's reply); what it raised,
    if anything, in the list returned, for the test to assert."""
    failed = []

    def run():
        try:
            action()
        except BaseException as exc:  # noqa: BLE001 -- the test thread re-raises it
            failed.append(exc)

    threading.Thread(target=run, daemon=True).start()
    return failed


@pytest.mark.needs_sandbox
def test_a_worker_that_stops_answering_is_killed_and_replaced(tmp_path, monkeypatch):
    """Stopped from outside (as a notebook that stopped it would) once the cell runs: the deadline
    fires, the notebook gets a plain status, and the next notebook runs on a fresh worker."""
    import autograde.workers.warm as warm

    monkeypatch.setattr(warm, "ANSWER_MARGIN", 2.0 * SLOW)
    settings = Settings(timeout=5 * SLOW, notebook_timeout=5 * SLOW)  # deadlines the stopped worker must hit
    zygote = Zygote(tmp_path)
    zygote.start()
    try:
        def stop_worker():
            started_cell(zygote)
            for pid in confine.processes_under(zygote.proc.pid):
                os.kill(pid, signal.SIGSTOP)

        failed = meanwhile(stop_worker)
        started = time.monotonic()
        with pytest.raises(NotebookBrokeWorker) as broke:
            zygote.run(settings.request(wire.cells(MARK_STARTED + "import time\ntime.sleep(3600)")))
        assert not failed and broke.value.status == say("worker-stopped") and time.monotonic() - started < 30 * SLOW
        reply = zygote.run(Settings().request(wire.cells("print(6 * 7)")))
        assert wire.outputs(reply["cells"]) == [[{"output_type": "stream", "name": "stdout", "text": "42\n"}]]
    finally:
        zygote.close()


@pytest.mark.needs_sandbox
def test_a_worker_killed_through_no_fault_of_the_notebook_costs_it_nothing(tmp_path):
    """Killed while its cell runs: the notebook runs again on a fresh worker, where the test lets
    the cell finish, and its reply is whole, with no status."""
    zygote = Zygote(tmp_path)
    zygote.start()
    try:
        victim = zygote.proc.pid

        def kill_then_let_it_finish():
            started_cell(zygote)
            os.kill(victim, signal.SIGKILL)
            os.kill(started_cell(zygote, not_under=victim), signal.SIGUSR1)

        failed = meanwhile(kill_then_let_it_finish)
        reply = zygote.run(Settings().request(wire.cells(AWAIT_GO + "print('done')")))
        assert not failed and reply["stopped"] is None and wire.outputs(reply["cells"])[0][0]["text"] == "done\n"
        assert zygote.proc.pid != victim
    finally:
        zygote.close()


def test_machinery_failures_are_not_grades(tmp_path, monkeypatch):
    """A worker that cannot start: rows say so, nothing is kept for resuming, the command exits 1,
    and the next run grades those notebooks."""
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: ex.text(ex.solved(NB1))}})
    out = tmp_path / "out"

    def cannot_start(self):
        raise WorkerFailed("a grading worker did not start")

    monkeypatch.setattr(Zygote, "start", cannot_start)
    monkeypatch.setattr(Zygote, "wait_ready", lambda self: cannot_start(self))
    sandbox = [] if bubblewrap() else ["--no-sandbox"]
    assert cli.main(["grade", str(source), "--out", str(out), "--workers", "1", *sandbox]) == 1
    assert "ana" not in load_state(out)
    monkeypatch.undo()
    rows = grade(source, out, settings=Settings(workers=1, sandbox=bool(bubblewrap())))
    row = next(r for r in rows if r.notebook == STEM1)
    assert row.graded and row.score == full_marks() and NOT_GRADED not in row.status


def test_without_a_sandbox_grading_refuses_and_says_how_to_install_one(tmp_path, monkeypatch, capsys):
    import autograde.workers.sandbox as sandbox

    monkeypatch.setattr(sandbox, "bubblewrap", lambda: None)
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: ex.text(ex.solved(NB1))}})
    with pytest.raises(SystemExit) as exit_:
        cli.main(["grade", str(source), "--out", str(tmp_path / "out")])
    assert exit_.value.code == 2
    assert "apt-get install bubblewrap" in capsys.readouterr().err
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_with_no_sandbox_every_row_says_so(tmp_path, monkeypatch):
    import autograde.workers.sandbox as sandbox

    monkeypatch.setattr(sandbox, "bubblewrap", lambda: None)
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: ex.text(ex.solved(NB1))}})
    rows = grade(source, tmp_path / "out", settings=Settings(workers=1, sandbox=False))
    assert rows and all(r.status.endswith(NO_SANDBOX) for r in rows)
    assert next(r for r in rows if r.notebook == STEM1).score == full_marks()


@pytest.mark.needs_sandbox
def test_shared_memory_dies_with_its_notebook(tmp_path):
    """SysV segments and POSIX shared memory a notebook leaves are gone for the next one on the
    same worker; POSIX shared memory (/dev/shm) is written into its own capped /tmp."""
    leave = ("import ctypes, os, _posixshmem\nlibc = ctypes.CDLL(None, use_errno=True)\n"
             f"print('segment', libc.shmget({hostile.SYSV_KEYS.start}, 1 << 20, 0o1000 | 0o600) >= 0)\n"
             "fd = _posixshmem.shm_open('/autograde-left', os.O_CREAT | os.O_RDWR, 0o600)\nwritten = 0\n"
             "try:\n    for _ in range(512):\n        os.write(fd, b'\\1' * 2**20)\n        written += 1\n"
             "except OSError:\n    pass\nprint('shm MiB', written)")
    look = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
            f"print('segment', libc.shmget({hostile.SYSV_KEYS.start}, 0, 0) >= 0, 'shm', os.listdir('/dev/shm'))")
    settings = Settings()
    with WarmPool(1, tmp_path) as pool:
        left = pool.run(settings.request(wire.cells(leave)))
        seen = pool.run(settings.request(wire.cells(look)))
    text = wire.outputs(left["cells"])[0][0]["text"]
    assert text.startswith("segment True\nshm MiB ") and int(text.split()[-1]) <= settings.disk_bytes >> 20
    assert wire.outputs(seen["cells"])[0][0]["text"] == "segment False shm []\n"


# A machine that allows each user at most this many processes (its hard limit), where grading
# asks for more: a notebook's entry (setrlimit) fails there before its first cell, whoever wrote it.
TIGHT = """
import resource, sys
soft, _ = resource.getrlimit(resource.RLIMIT_NPROC)
resource.setrlimit(resource.RLIMIT_NPROC, (4000 if soft == resource.RLIM_INFINITY else min(soft, 4000), 4000))
"""


def on_a_tight_machine(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", TIGHT + code], capture_output=True, text=True, timeout=600 * SLOW,
                          cwd=course.ROOT)


@pytest.mark.needs_sandbox
def test_the_sandbox_trial_runs_a_notebooks_real_entry_with_the_runs_limits(tmp_path):
    """The trial confines a process as a notebook's first one is (namespaces, its /proc, setrlimit,
    its uid) with the run's limits: one this machine refuses fails it, and grading refuses to start."""
    source = ex.write_class(tmp_path / "class", {"ana": {NB1: ex.text(ex.solved(NB1))}})
    run = on_a_tight_machine(f"""
from autograde import cli
from autograde.workers import sandbox
from autograde.workers.protocol import DEFAULT_DISK_BYTES, DEFAULT_MEMORY_BYTES
bwrap = sandbox.bubblewrap()
print("64:", sandbox.trial(bwrap, 64, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES))
print("5000:", sandbox.trial(bwrap, 5000, DEFAULT_MEMORY_BYTES, DEFAULT_DISK_BYTES))
sys.stdout.flush()
cli.main(["grade", {str(source)!r}, "--out", {str(tmp_path / "out")!r}, "--max-processes", "5000"])
""")
    said = dict(line.split(": ", 1) for line in run.stdout.splitlines() if line.startswith(("64: ", "5000: ")))
    assert said["64"] == "None" and "not allowed to raise maximum limit" in said["5000"], run
    assert run.returncode == 2 and "cannot confine a notebook with these limits" in run.stderr, run
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.needs_sandbox
def test_a_worker_whose_notebooks_never_reach_a_cell_stops_the_run(tmp_path):
    """With a trial that does not run a notebook's entry (as before), every notebook would die
    before its first cell and be stored as "kernel died": instead the run stops with a plain
    message after the first few, and nobody gets a grade from it."""
    students = {name: {NB1: ex.text(ex.solved(NB1))} for name in ("ana", "bo", "cy", "di")}
    source = ex.write_class(tmp_path / "class", students)
    out = tmp_path / "out"
    run = on_a_tight_machine(f"""
from autograde import cli
from autograde.workers import sandbox
sandbox.trial = lambda *args: None  # a trial that skips the notebook's own entry
sys.exit(cli.main(["grade", {str(source)!r}, "--out", {str(out)!r}, "--workers", "1", "--max-processes", "5000"]))
""")
    assert run.returncode == 1 and "grading stopped: the first 3 notebooks" in run.stderr, run
    assert "kernel died" not in run.stdout + run.stderr
    assert load_state(out) == {} and not (out / "grades.csv").exists()


@pytest.mark.needs_sandbox
def test_a_notebook_finds_nothing_of_the_one_before_in_its_memory(tmp_path):
    """A worker's notebooks are forked from one warm process, and freed memory is not cleared:
    the cells, nonce and outputs of a notebook pass only through a process forked for it, so
    the next one, reading its own memory, finds no trace of another student's code or values."""
    scan = hostile.memory_scan("MARK-([0-9]+)")
    with WarmPool(1, tmp_path) as pool:
        before = pool.run(Settings().request(wire.cells("print('MARK-' + str(6 * 7))", "code = 'MARK-1234'")))
        after = pool.run(Settings().request(wire.cells(scan)))
        itself = pool.run(Settings().request(wire.cells("mine = 'MARK-' + str(5 * 5)", scan)))
    assert wire.outputs(before["cells"])[0][0]["text"] == "MARK-42\n"
    assert wire.outputs(after["cells"])[0][0]["text"] == "[]\n"
    assert wire.outputs(itself["cells"])[1][0]["text"] == "['25']\n"  # the scan finds what is there


@pytest.mark.needs_sandbox
def test_a_notebook_can_hold_memory_nowhere_else(tmp_path):
    """Outside its capped /tmp nothing is writable, and it cannot mount a tmpfs of its own: it has
    no capabilities, and cannot get them back in a user namespace of its own (in which it could
    mount one). Memory it could hold beyond the watchdog's sight would need one of these."""
    probe = ("import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\nos.makedirs('/tmp/mnt', exist_ok=True)\n"
             "print('mounted', libc.mount(b'tmpfs', b'/tmp/mnt', b'tmpfs', 0, b'size=1g') == 0)\n"
             "print('own user namespace', libc.unshare(0x10000000 | 0x00020000) == 0)\n"
             "print('mounted', libc.mount(b'tmpfs', b'/tmp/mnt', b'tmpfs', 0, b'size=1g') == 0)\nwritable = []\n"
             "for folder in ('/', '/dev', '/var/tmp', '/run', '/etc', '/usr', os.path.dirname(os.__file__)):\n"
             "    try:\n        open(os.path.join(folder, 'autograde-probe'), 'w').close()\n        writable.append(folder)\n"
             "    except OSError:\n        pass\nprint('writable', writable)")
    with WarmPool(1, tmp_path) as pool:
        reply = pool.run(Settings().request(wire.cells(probe)))
    assert wire.outputs(reply["cells"])[0][0]["text"] == "mounted False\nown user namespace False\nmounted False\nwritable []\n"
