"""Errors the `autograde` command reports in plain words (exit status 2)."""


class UsageError(ValueError):
    """The command was asked something it cannot do (unknown folder, unknown assignment, bad roster)."""
