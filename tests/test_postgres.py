"""`autograde grade --db` with PostgreSQL: a throwaway server on a Unix socket, no TCP."""
import csv
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import example_class as ex
from autograde.grading.grader import Settings, grade
from autograde.verdict.mistakes import MISTAKES
from autograde.verdict.references import references

NB1 = ex.NB1


def as_postgres(*command):
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user when we are root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *command], capture_output=True, text=True)
    assert done.returncode == 0, f"{command[0]} failed: {done.stderr}"
    return done


@pytest.fixture
def postgres(tmp_path, postgres_server_bin):
    # not under pytest's tmp_path: its folders are private to us, and the server runs as `postgres`
    folder = Path(tempfile.mkdtemp(prefix="gradebook-pg-"))
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
    as_postgres(f"{postgres_server_bin}/initdb", "-D", str(folder / "data"), "-U", "grader", "--auth=trust")
    as_postgres(f"{postgres_server_bin}/pg_ctl", "-D", str(folder / "data"), "-w", "-l", str(folder / "log"),
                "-o", f"-k {folder} -c listen_addresses=''", "start")
    try:
        as_postgres(f"{postgres_server_bin}/createdb", "-h", str(folder), "-U", "grader", "gradebook")
        yield f"postgresql+psycopg2://grader@/gradebook?host={folder}"
    finally:
        as_postgres(f"{postgres_server_bin}/pg_ctl", "-D", str(folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.needs_sandbox
@pytest.mark.needs_postgres
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
@pytest.mark.needs_postgres
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
