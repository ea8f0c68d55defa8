"""The late policy: how much of a late hand-in's score a rule takes off.

A hand-in is late by the seconds between its time and its due date (the assignment's, in the
gradebook, plus the student's extension): nbgrader's own `SubmittedAssignment.total_seconds_late`.
A rule is `none`, `P%/day` (each day or part of a day late takes P% of the score, down to 0),
`zero` (any lateness scores 0), `zero-after=Nd` (0 once more than N days late), or a
percentage and a cutoff together: `10%/day,zero-after=3d`.
"""
from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass

from ..errors import UsageError

DAY = 86400.0
PER_DAY = re.compile(r"^(\d+(?:\.\d+)?)%/day$")
ZERO_AFTER = re.compile(r"^zero-after=(\d+(?:\.\d+)?)d?$")


@dataclass(frozen=True)
class Rule:
    text: str = "none"
    per_day: float = 0.0  # share of the score each started day late takes off
    zero_after_days: float | None = None  # lateness beyond this many days scores 0

    def share(self, seconds_late: float) -> float:
        """The share of the score taken off (0 to 1) for a hand-in `seconds_late` late."""
        if seconds_late <= 0:
            return 0.0
        if self.zero_after_days is not None and seconds_late > self.zero_after_days * DAY:
            return 1.0
        return min(1.0, math.ceil(seconds_late / DAY) * self.per_day)


def parse(text: str | None) -> Rule:
    """A rule from `--late-penalty`; raises UsageError saying what it accepts."""
    text = (text or "none").strip().lower().replace(" ", "")
    per_day, zero_after = 0.0, None
    for part in filter(None, text.split(",")):
        if part == "none":
            continue
        if part == "zero":
            zero_after = 0.0
        elif m := PER_DAY.match(part):
            per_day = float(m[1]) / 100
        elif m := ZERO_AFTER.match(part):
            zero_after = float(m[1])
        else:
            raise UsageError(f"--late-penalty {text!r}: expected none, P%/day (e.g. 10%/day), zero, "
                             "zero-after=Nd (e.g. zero-after=3d), or a percentage and a cutoff: 10%/day,zero-after=3d")
    if not 0 <= per_day <= 1:
        raise UsageError(f"--late-penalty {text!r}: a percentage per day between 0 and 100")
    return Rule(text or "none", per_day, zero_after)


def parse_due(text: str) -> datetime.datetime:
    """`--due`: an ISO date and time (`2026-12-01 23:59`, `2026-12-01T23:59+08:00`), in UTC
    unless it names its zone; naive UTC, as nbgrader's gradebook keeps due dates."""
    try:
        due = datetime.datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"--due {text!r}: expected a date and time such as 2026-12-01T23:59 (UTC) "
                         "or 2026-12-01T23:59+08:00") from None
    return naive_utc(due)


def naive_utc(when: datetime.datetime) -> datetime.datetime:
    """`when` in UTC without a zone (a naive time is taken to be UTC already)."""
    if when.tzinfo is not None:
        when = when.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return when


def lateness(seconds: float) -> str:
    """`1 day 2 h 5 min`: how late, for a status and the CSV."""
    minutes = max(1, math.ceil(seconds / 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{minutes} min" if minutes else ""]
    return " ".join(p for p in parts if p)
