"""Checks, for the tests that grade, that every status a grading produced comes from the
catalogue (autograde/verdict/statuses.py) and carries no internal error text."""
import re
import string

from autograde.verdict.statuses import STATUSES

# What a parser's, nbgrader's or the operating system's own words look like.
INTERNAL = re.compile(r"Traceback|Expecting value|line \d+ column \d+|\(char \d+\)|Errno|\b\w*(?:Error|Exception)\b")


def pattern(template: str) -> str:
    """A catalogue sentence as a regular expression: its placeholders match any text."""
    return "".join(re.escape(literal) + (".+?" if field is not None else "")
                   for literal, field, _, _ in string.Formatter().parse(template))


ANY = "(?:" + "|".join(pattern(en) for en, _ in STATUSES.values()) + ")"
STATUS = re.compile(f"{ANY}(?:; {ANY})*", re.S)


def assert_catalogued_text(status: str) -> None:
    """An English status as grades.csv has it: catalogue sentences joined with "; "."""
    assert STATUS.fullmatch(status), f"not from the catalogue: {status!r}"
    assert not INTERNAL.search(status), f"internal error text in a status: {status!r}"


def assert_catalogued(rows) -> None:
    """Rows as `grade` returns them: each part of the status is a catalogue entry, in both languages."""
    for row in rows:
        assert row.messages and row.status == "; ".join(m["en"] for m in row.messages), row
        for message in row.messages:
            assert message["code"] in STATUSES, message
            en, zh = STATUSES[message["code"]]
            assert re.fullmatch(pattern(en), message["en"], re.S) and re.fullmatch(pattern(zh), message["zh"], re.S), message
            assert not INTERNAL.search(message["en"]) and not INTERNAL.search(message["zh"]), message
        assert_catalogued_text(row.status)
