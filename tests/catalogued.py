"""Checks, for the tests that grade, that every status a grading produced comes from the
catalogue (autograde/verdict/statuses.py) and carries no internal error text."""
import re
import string

from autograde.verdict.statuses import CATALOGUE, LIST_SEPARATOR, PHRASES, STATUSES

# What a parser's, nbgrader's or the operating system's own words look like.
INTERNAL = re.compile(r"Traceback|Expecting value|line \d+ column \d+|\(char \d+\)|Errno|\b\w*(?:Error|Exception)\b")


NUMBER = r"\d+"
LINE = r"[^\n]+?"  # a name a hand-in or the course chose (a path, an LMS's key, an exercise's title): one line
FILE_NAME = r"[^/\n]+?"  # one file's name, no folder
NOTEBOOK = r"[^/\n]+?\.ipynb"
STUDENT_ID = r"[^\s/\\']+"  # submissions.safe_id: no spaces, separators or quotes
IDENTIFIERS = r"[^\W\d][\w.]*(?:, [^\W\d][\w.]*)*"  # Python names, dotted ones too, as course_answers joins them
GRADE_IDS = r"[\w-]+(?:, [\w-]+)*"
POINTS = r"-?\d+(?:\.\d+)?"
REPR = r"'[^\n]*'|\"[^\n]*\""  # a student's line as Python's repr() quotes it (structure.first_change)


def phrase(codes: list[str], lang: str) -> str:
    """Any of these phrases of the catalogue, in `lang`, its own placeholders matched in turn."""
    return "(?:" + "|".join(pattern(CATALOGUE[code][lang == "zh"], lang) for code in codes) + ")"


def listed(item: str, lang: str) -> str:
    return f"{item}(?:{re.escape(LIST_SEPARATOR[lang])}{item})*"


def placeholder(name: str, lang: str, code: str = "") -> str:
    """What the placeholder `name` of the entry `code` may hold, as a regular expression: a count
    digits, a {reason} one of the reason phrases (never the operating system's words), ..."""
    owners = [c for c in PHRASES if c.startswith("owner-")]
    if name in ("count", "limit", "cell", "version", "size", "size_limit", "line"):
        return NUMBER
    if name == "name":  # copies of any file are counted; the others name the notebook a file stands for
        return FILE_NAME if code.startswith("copies-") else NOTEBOOK
    simple = {"file": LINE, "files": listed(FILE_NAME, lang), "key": LINE, "exercise": LINE, "attempt": r"[^\n+]+?",
              "folder": r"[\w.-]+", "id": STUDENT_ID, "new_id": STUDENT_ID, "names": IDENTIFIERS, "cells": GRADE_IDS,
              "module": r"[\w.]+", "grade_id": r"[\w-]+", "text": REPR,
              # the late policy (reports/late.py) and a review in formgrader (reports/export.py)
              "late": r"\d+ (?:days?|h|min)(?: \d+ (?:h|min))*", "due": r"\d{4}-\d\d-\d\d \d\d:\d\d UTC",
              "rule": r"[\w%/.,=-]+", "percent": POINTS, "score": POINTS, "auto": POINTS, "lms": "|".join(c[len("owner-"):].capitalize() for c in owners)}
    if name in simple:
        return simple[name]
    phrases = {"owner": owners, "sources": owners, "reason": [c for c in PHRASES if c.startswith("reason-")],
               "what": [c for c in PHRASES if c.startswith("course-")]}[name]  # a phrase's own placeholders are simple
    return listed(phrase(phrases, lang), lang) if name == "sources" else phrase(phrases, lang)


def pattern(template: str, lang: str = "en", code: str = "") -> str:
    """A catalogue sentence as a regular expression: each placeholder matches only what it may hold."""
    return "".join(re.escape(literal) + (f"(?:{placeholder(field, lang, code)})" if field is not None else "")
                   for literal, field, _, _ in string.Formatter().parse(template))


ANY = "(?:" + "|".join(pattern(en, "en", code) for code, (en, _) in STATUSES.items()) + ")"
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
            code = message["code"]
            assert re.fullmatch(pattern(en, "en", code), message["en"]) and re.fullmatch(pattern(zh, "zh", code), message["zh"]), message
            assert not INTERNAL.search(message["en"]) and not INTERNAL.search(message["zh"]), message
        assert_catalogued_text(row.status)
