"""A gradebook whose database refuses some writes: a real failure of nbgrader's autograde steps
(its SaveAutoGrades and commits raise), with none of the course's code patched."""
from __future__ import annotations

from sqlalchemy import create_engine, text

from autograde.grading.nbgrader_api import create_gradebook

MESSAGE = "the gradebook refuses this"  # what the database raises: grading.log's, never a status


def refuse(db_url: str, table: str, when: str, event: str = "INSERT") -> None:
    """Make the gradebook at `db_url` (created with nbgrader's schema if missing) refuse each
    `event` on `table` whose new row meets `when` (SQL over NEW)."""
    create_gradebook(db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text(f"CREATE TRIGGER refuse_{table}_{event.split()[0].lower()} BEFORE {event} ON {table} "
                                    f"WHEN {when} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"))
    finally:
        engine.dispose()
