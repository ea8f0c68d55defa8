"""A class on JupyterHub, end to end, with hub/jupyterhub_config.py: a real JupyterHub (pip's) and
its proxy (npm's configurable-http-proxy), two student accounts and an instructor made with
useradd, each user's JupyterLab started through the hub's REST API and driven as that user:
release → fetch → submit (nbgrader's assignment list in the student's server) → collect →
`autograde grade` → release_feedback → fetch_feedback, read from the student's home. One
student also hands in in the other's name through the shared exchange: the other keeps full marks.

Needs root (it makes Unix accounts, and the hub starts each lab as its user) and npm; skipped
without them, saying why. CI runs it as root."""
from __future__ import annotations

import contextlib
import csv
import grp
import json
import os
import pwd
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from autograde.reports.returns import NBGRADER_FEEDBACK

import example_class as ex
from autograde import cli, course
from autograde.verdict.references import references
from autograde.verdict.statuses import say

ROOT = Path(__file__).resolve().parent.parent
HUB_CONFIG = ROOT / "hub" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent  # jupyterhub, nbgrader: the environment the tests run in
COURSE_ID = "attention-from-scratch"
ASSIGNMENT = "ch03"
NB1, STEM1 = ex.NB1, ex.NB1[:-6]
# names no real account has; groups as hub/jupyterhub_config.py reads them
STUDENTS, INSTRUCTOR = ["aghub-amy", "aghub-bob"], "aghub-teach"
GROUPS = {"aghub-students": STUDENTS, "aghub-instructors": [INSTRUCTOR]}
BOOKKEEPING = ("submission_secret.txt", "timestamp.txt")  # what nbgrader's submit writes beside a hand-in
DEADLINE = 120  # seconds for any one wait on the hub; the whole test takes about a minute


def why_not() -> str | None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "needs root: it makes Unix accounts (useradd) and the hub starts each user's lab as that user"
    for tool in ("useradd", "userdel", "groupadd", "groupdel", "runuser"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if shutil.which("npm") is None and proxy_path() is None:
        return "npm is not installed: JupyterHub's proxy (configurable-http-proxy) comes from npm"
    return None


def cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autograde-course" / "configurable-http-proxy"


def proxy_path() -> Path | None:
    path = cache() / "node_modules" / ".bin" / "configurable-http-proxy"
    return path if path.exists() else None


def proxy() -> Path:
    """JupyterHub's proxy, installed from npm into a cache folder once (a few seconds)."""
    if proxy_path() is None:
        cache().mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-fund", "--no-audit", "--silent", "configurable-http-proxy@4"],
                       cwd=cache(), check=True, timeout=300)
    return proxy_path()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def accounts():
    """The test's Unix groups and users (homes included), removed afterwards whatever happened."""
    def remove():
        for name in [*STUDENTS, INSTRUCTOR]:
            subprocess.run(["userdel", "-r", name], capture_output=True)
        for group in GROUPS:
            subprocess.run(["groupdel", group], capture_output=True)

    remove()  # an earlier run that was killed may have left them
    try:
        for group, users in GROUPS.items():
            subprocess.run(["groupadd", group], check=True)
            for user in users:
                subprocess.run(["useradd", "-m", "-s", "/bin/bash", "-G", group, user], check=True)
        yield
    finally:
        remove()


def until(what: str, ready, log: Path | None = None):
    """Polls `ready()` until it returns something true (the hub and the labs say when they are
    up only through their APIs), failing after DEADLINE seconds with the hub's log."""
    deadline = time.monotonic() + DEADLINE
    while not (value := ready()):
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not after {DEADLINE} s\n" + (log.read_text()[-4000:] if log else ""))
        time.sleep(0.2)
    return value


class Hub:
    """A running hub, and what the test may do through its REST API."""

    def __init__(self, url: str, admin_token: str, log: Path, process: subprocess.Popen):
        import requests

        self.url, self.log, self.process = url, log, process
        self.http = requests.Session()
        self.admin = {"Authorization": f"token {admin_token}"}
        self.tokens: dict[str, str] = {}

    def api(self, method: str, path: str, token: dict | None = None, **kwargs):
        response = self.http.request(method, f"{self.url}/hub/api{path}", headers=token or self.admin, timeout=60, **kwargs)
        assert response.status_code < 400, f"{method} {path}: {response.status_code} {response.text}\n{self.log.read_text()[-4000:]}"
        return response

    def up(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"the hub ended:\n{self.log.read_text()[-4000:]}")
        try:
            return self.http.get(f"{self.url}/hub/api/", timeout=5).status_code == 200
        except OSError:
            return False

    def log_in(self, user: str) -> None:
        """A token for `user`, made by the admin through the API (as a login would make one)."""
        self.tokens[user] = self.api("POST", f"/users/{user}/tokens", json={"note": "test", "expires_in": 3600}).json()["token"]

    def as_user(self, user: str) -> dict:
        return {"Authorization": f"token {self.tokens[user]}"}

    def lab(self, user: str, method: str, path: str, **kwargs):
        """A request to `user`'s own JupyterLab, through the proxy, with their token."""
        return self.http.request(method, f"{self.url}/user/{user}{path}", headers=self.as_user(user), timeout=120, **kwargs)

    def ready(self, user: str) -> bool:
        server = self.api("GET", f"/users/{user}").json()["servers"].get("")
        return bool(server and server["ready"])

    def stopped(self, user: str) -> bool:
        return not self.api("GET", f"/users/{user}").json()["servers"]


@contextmanager
def running_hub(base: Path):
    port, hub_port, proxy_api = free_port(), free_port(), free_port()
    admin_token = secrets.token_hex(32)
    assert HUB_CONFIG.is_file()  # load_subconfig ignores a missing file
    # the course's hub configuration, with a test login instead of PAM (no passwords to set),
    # ports of its own, and an admin service whose token the test uses
    config = base / "test_config.py"
    config.write_text(f"""c = get_config()
load_subconfig({str(HUB_CONFIG)!r})
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {set([*STUDENTS, INSTRUCTOR])!r}
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api}"
c.ConfigurableHTTPProxy.command = [{str(proxy())!r}]
c.JupyterHub.services = [{{"name": "course-test", "api_token": {admin_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "admin", "services": ["course-test"]}}]
c.Spawner.start_timeout = {DEADLINE}
""")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
           "COURSE_HUB_URL": f"http://127.0.0.1:{port}", "COURSE_HUB_STATE": str(base / "state"),
           "COURSE_EXCHANGE": str(base / "exchange"),
           # the students' labs from the test's environment too: a real hub gives them one made
           # from the handout (this clone, which they can read here, holds the solutions)
           "COURSE_STUDENT_BIN": str(BIN),
           "COURSE_STUDENT_GROUP": "aghub-students", "COURSE_INSTRUCTOR_GROUP": "aghub-instructors"}
    (base / "state").mkdir()
    log = base / "jupyterhub.log"
    with log.open("w") as out:
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(config)], cwd=base, env=env, stdout=out, stderr=out)
    hub = Hub(f"http://127.0.0.1:{port}", admin_token, log, process)
    try:
        until("the hub answers", hub.up, log)
        yield hub
    finally:
        for user in hub.tokens:  # each user's lab stopped through the hub, then the hub (and its proxy)
            with contextlib.suppress(Exception, pytest.fail.Exception):
                hub.api("DELETE", f"/users/{user}/server")
        with contextlib.suppress(Exception, pytest.fail.Exception):
            until("the labs stop", lambda: all(hub.stopped(u) for u in hub.tokens), log)
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def as_instructor(base: Path, *command: str) -> str:
    """An nbgrader command as the instructor, in their course folder, with the instructor lab's
    configuration (hub/instructor/), as a terminal in their JupyterLab would run it."""
    home = Path(pwd.getpwnam(INSTRUCTOR).pw_dir)
    env = {"PATH": f"{BIN}{os.pathsep}/usr/bin:/bin", "HOME": str(home), "USER": INSTRUCTOR,
           "JUPYTER_CONFIG_PATH": str(ROOT / "hub" / "instructor"), "COURSE_EXCHANGE": str(base / "exchange")}
    done = subprocess.run([shutil.which("runuser"), "-u", INSTRUCTOR, "--", str(BIN / "nbgrader"), *command],
                          cwd=home / "course", env=env, capture_output=True, text=True, timeout=DEADLINE)
    assert done.returncode == 0, f"nbgrader {' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def give(path: Path, user: str) -> None:
    account = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, account.pw_uid, account.pw_gid)


def full_marks() -> float:
    return sum(e["points"] for e in references().exercises_of(STEM1).values())


@pytest.mark.grading  # autograde grade: needs a working sandbox
@pytest.mark.skipif(why_not() is not None, reason=why_not() or "")
def test_a_class_on_jupyterhub_from_release_to_feedback(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="autograde-hub-"))  # not under pytest's tmp (mode 700): users reach the exchange
    try:
        base.chmod(0o755)
        (base / "exchange").mkdir()
        (base / "exchange").chmod(0o777)  # as nbgrader's docs set /srv/nbgrader/exchange up: everyone writes there
        with accounts():
            if reason := unreachable(STUDENTS[0]):
                pytest.skip(reason)
            with running_hub(base) as hub:
                run_the_class(hub, base, tmp_path)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def unreachable(user: str) -> str | None:
    """What `user` cannot read of what their lab runs: the environment and hub/ (a clone in a
    folder only root may enter, as some CI machines have it)."""
    for path in (BIN / "jupyterhub-singleuser", HUB_CONFIG.parent / "student" / "nbgrader_config.py"):
        if subprocess.run([shutil.which("runuser"), "-u", user, "--", "test", "-r", str(path)]).returncode != 0:
            return f"{user} cannot read {path}: the clone or its .venv is in a folder other users cannot enter"
    return None


def run_the_class(hub: Hub, base: Path, tmp_path: Path) -> None:
    amy, bob = STUDENTS
    home = {user: Path(pwd.getpwnam(user).pw_dir) for user in [*STUDENTS, INSTRUCTOR]}
    assert set(grp.getgrnam("aghub-instructors").gr_mem) == {INSTRUCTOR}

    # the instructor's course folder: the course's nbgrader config and its release
    course_folder = home[INSTRUCTOR] / "course"
    shutil.copytree(course.release(ASSIGNMENT), course_folder / "notebooks" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", course_folder)
    give(course_folder, INSTRUCTOR)

    for user in [*STUDENTS, INSTRUCTOR]:  # each logs in and starts their lab; all start together
        hub.log_in(user)
        hub.api("POST", f"/users/{user}/server", token=hub.as_user(user))
    for user in [*STUDENTS, INSTRUCTOR]:
        until(f"{user}'s lab is ready", lambda: hub.ready(user), hub.log)

    # the labs are the ones hub/jupyterhub_config.py gives each group
    for user in STUDENTS:
        assert hub.lab(user, "GET", "/formgrader").status_code == 404  # nbgrader's instructor tools: off
        page = hub.lab(user, "GET", "/lab").text
        found = re.search(r'"disabledExtensions": \[([^\]]*)\]', page)  # hub/student/labconfig, in the page's config
        assert found, page[:2000]
        disabled = found.group(1)
        assert '"@jupyter/nbgrader:formgrader"' in disabled and '"@jupyter/nbgrader:create-assignment"' in disabled
        assert '"@jupyter/nbgrader:assignment-list"' not in disabled  # on: students fetch and submit with it
    assert hub.lab(INSTRUCTOR, "GET", "/formgrader").status_code == 200
    assert '"@jupyter/nbgrader:formgrader"' not in hub.lab(INSTRUCTOR, "GET", "/lab").text

    as_instructor(base, "release_assignment", ASSIGNMENT)

    def action(user: str, name: str) -> object:
        response = hub.lab(user, "POST", f"/assignments/{name}", data={"course_id": COURSE_ID, "assignment_id": ASSIGNMENT})
        assert response.status_code == 200, f"{name} as {user}: {response.status_code} {response.text}"
        return response.json()

    for user in STUDENTS:
        listed = hub.lab(user, "GET", "/assignments", params={"course_id": COURSE_ID}).json()
        assert listed["success"] and [a["assignment_id"] for a in listed["value"]] == [ASSIGNMENT], listed
        action(user, "fetch")
        assert sorted(p.name for p in (home[user] / ASSIGNMENT).glob("*.ipynb")) == course.notebook_names(ASSIGNMENT)
        # what they do in JupyterLab, through its contents API: work on notebook 1 only (the
        # others are deleted: grading two notebooks keeps the test short)
        for name in course.notebook_names(ASSIGNMENT):
            if name != NB1:
                assert hub.lab(user, "DELETE", f"/api/contents/{ASSIGNMENT}/{name}").status_code == 204
    saved = hub.lab(amy, "PUT", f"/api/contents/{ASSIGNMENT}/{NB1}",
                    json={"type": "notebook", "format": "json", "content": ex.solved(NB1)})  # amy solves it; bob hands in the blank
    assert saved.status_code == 200, saved.text
    for user in STUDENTS:
        submitted = action(user, "submit")
        assert submitted["success"], submitted

    # bob, from his own account (a terminal in his lab), hands his blank notebook in in amy's
    # name, later than hers: inbound/ is writable by every student
    inbound = base / "exchange" / COURSE_ID / "inbound"
    forged = inbound / f"{amy}+{ASSIGNMENT}+2099-01-01 00:00:00.000000 UTC+forged"
    subprocess.run([shutil.which("runuser"), "-u", bob, "--", "cp", "-r", str(home[bob] / ASSIGNMENT), str(forged)], check=True)
    assert forged.stat().st_uid == pwd.getpwnam(bob).pw_uid

    collected = as_instructor(base, "collect", ASSIGNMENT)
    assert f"refused {forged}: named for {amy}, but written by {bob}" in collected, collected
    submitted = course_folder / "submitted"
    for user in STUDENTS:  # nbgrader's own files are there, beside the notebook
        assert sorted(p.name for p in (submitted / user / ASSIGNMENT).iterdir()) == sorted([NB1, *BOOKKEEPING])

    out = tmp_path / "graded"
    assert cli.main(["grade", str(submitted), "--out", str(out), "--workers", "1", "--assignment", ASSIGNMENT]) == 0
    with (out / "grades.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    by = {(r["student_id"], r["notebook"]): r for r in rows}
    assert float(by[(amy, STEM1)]["score"]) == pytest.approx(full_marks()) and by[(amy, STEM1)]["status"] == say("ok")
    assert float(by[(bob, STEM1)]["score"]) == pytest.approx(0) and full_marks() > 0
    assert {r["student_id"] for r in rows} == set(STUDENTS)
    text = (out / "grades.csv").read_text(encoding="utf-8")
    assert not any(name in text for name in BOOKKEEPING), text
    assert say("not-in-assignment") not in text

    # the feedback layout autograde grade wrote for nbgrader (each page with the hand-in's
    # timestamp and secret, which release_feedback reads) into the course folder, released, and
    # fetched by each student into their home
    shutil.copytree(out / NBGRADER_FEEDBACK, course_folder / "feedback")
    for user in STUDENTS:  # the secret the student's own submit made: their fetch finds the page by it
        secret = "submission_secret.txt"
        assert (course_folder / "feedback" / user / ASSIGNMENT / secret).read_text().strip() == \
            (submitted / user / ASSIGNMENT / secret).read_text().strip()
    give(course_folder / "feedback", INSTRUCTOR)
    as_instructor(base, "release_feedback", ASSIGNMENT)
    pages = {}
    for user in STUDENTS:
        action(user, "fetch_feedback")
        fetched = list((home[user] / ASSIGNMENT / "feedback").glob(f"*/{STEM1}.html"))
        assert len(fetched) == 1, fetched
        assert fetched[0].stat().st_uid == pwd.getpwnam(user).pw_uid  # fetched by the student's own server
        pages[user] = fetched[0].read_bytes()
        assert pages[user] == (out / "feedback" / user / f"{STEM1}.html").read_bytes()
    assert pages[amy] != pages[bob]


def test_the_hub_gives_instructors_their_lab_and_everyone_else_the_students(monkeypatch):
    """Without root, npm or a hub: which lab hub/jupyterhub_config.py gives whom, and what each
    lab's configuration switches on (the end-to-end test above serves them for real)."""
    from types import SimpleNamespace

    from traitlets.config import PyFileConfigLoader

    for name in ("COURSE_EXCHANGE", "COURSE_INSTRUCTOR_GROUP", "COURSE_STUDENT_GROUP", "COURSE_STUDENT_BIN"):
        monkeypatch.delenv(name, raising=False)
    groups = {"instructors": SimpleNamespace(gr_mem=["teach"]), "students": SimpleNamespace(gr_mem=["amy"])}

    def getgrnam(name):
        if name not in groups:
            raise KeyError(name)
        return groups[name]

    monkeypatch.setattr(grp, "getgrnam", getgrnam)
    config = PyFileConfigLoader(HUB_CONFIG.name, str(HUB_CONFIG.parent)).load_config()
    assert config.JupyterHub.authenticator_class == "pam"
    assert config.PAMAuthenticator.allowed_groups == {"students", "instructors"}
    assert config.Spawner.environment == {"COURSE_EXCHANGE": "/srv/nbgrader/exchange"}
    student_bin = "/opt/attention-student/.venv/bin"  # made from the handout: no solutions, no hidden tests

    def lab(user: str) -> tuple[str, str]:
        spawner = SimpleNamespace(user=SimpleNamespace(name=user), environment=dict(config.Spawner.environment), cmd=None)
        config.Spawner.pre_spawn_hook(spawner)
        environment = str(Path(spawner.cmd[0]).parent)
        assert spawner.environment["PATH"].split(os.pathsep)[0] == environment  # nbgrader in the lab's terminals
        return Path(spawner.environment["JUPYTER_CONFIG_PATH"]).relative_to(ROOT).as_posix(), environment

    instructor, student = ("hub/instructor", str(BIN)), ("hub/student", student_bin)
    assert [lab(u) for u in ("teach", "amy", "someone-else")] == [instructor, student, student]
    del groups["instructors"]  # no such group on the machine: nobody gets the instructor's lab
    assert lab("teach") == student

    def server_extensions(folder: str) -> dict:
        return json.loads((ROOT / folder / "jupyter_server_config.json").read_text())["ServerApp"]["jpserver_extensions"]

    nbgrader = "nbgrader.server_extensions."
    assert server_extensions("hub/student") == {nbgrader + "formgrader": False, nbgrader + "course_list": False,
                                                nbgrader + "assignment_list": True}
    assert all(server_extensions("hub/instructor").values())
    disabled = json.loads((ROOT / "hub/student/labconfig/page_config.json").read_text())["disabledExtensions"]
    assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"} <= set(disabled)
    assert "@jupyter/nbgrader:assignment-list" not in disabled
    for role in ("student", "instructor"):
        nbgrader_config = PyFileConfigLoader("nbgrader_config.py", str(ROOT / "hub" / role)).load_config()
        assert nbgrader_config.Exchange.root == "/srv/nbgrader/exchange"
        assert nbgrader_config.CourseDirectory.course_id == course.read_config(ROOT / "nbgrader_config.py").CourseDirectory.course_id
    assert "OwnerCheckedCollect" in PyFileConfigLoader("nbgrader_config.py", str(ROOT / "hub" / "instructor")).load_config().ExchangeFactory.collect
