"""Which of the course's notebooks a file stands for when its name is not exactly one of theirs.

Students hand in names their tools produce: a browser's second download
(`01_attention_without_weights (1).ipynb`, Firefox's `...(1).ipynb`), JupyterLab's duplicate
(`...-Copy1.ipynb`), Windows' `... - Copy.ipynb`, macOS's `... copy 2.ipynb`, another case, spaces
or hyphens for underscores. Such a name is matched to a notebook only when it stands for exactly
one; the caller decides what happens when two files stand for one notebook. A name is hostile
input: one holding a path separator or a control character, or a very long one, stands for nothing.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_NAME_LENGTH = 255  # what file systems allow; longer is no tool's renaming (and bounds the patterns' work)
SUFFIX = ".ipynb"
# what tools append to a copy's stem, at its end; stripped until none is left (a copy of a copy)
COPY_MARKS = re.compile(
    r"(?:\s?\(\d{1,4}\)"                      # browsers: " (1)", "(1)"
    r"|-copy\d{0,4}"                          # Jupyter: "-Copy1"
    r"|\s-\scopy(?:\s\(\d{1,4}\))?"           # Windows: " - Copy", " - Copy (2)"
    r"|\scopy(?:\s\d{1,4})?)$",               # macOS: " copy", " copy 2"
    re.IGNORECASE)
SEPARATORS = re.compile(r"[\s_-]+")


def canonical(file: str) -> str | None:
    """The key a notebook's name and its copies' names share; None for a name that can stand
    for no notebook (not an .ipynb, a path, control characters, too long)."""
    if len(file) > MAX_NAME_LENGTH or "/" in file or "\\" in file:
        return None
    file = unicodedata.normalize("NFC", file)
    if any(unicodedata.category(c) == "Cc" for c in file) or not file.lower().endswith(SUFFIX):
        return None
    stem = file[:-len(SUFFIX)]
    while (shorter := COPY_MARKS.sub("", stem)) != stem:  # each pass shortens it: the loop ends
        stem = shorter
    stem = SEPARATORS.sub("_", stem).strip("_").casefold()
    return stem + SUFFIX if stem else None


def notebook_for(file: str, names: Iterable[str]) -> str | None:
    """The one notebook of `names` that `file` is a renamed copy of; None when it is one of
    them itself, stands for none, or for more than one (names that share a key are never guessed)."""
    names = list(names)
    if file in names or (key := canonical(file)) is None:
        return None
    matches = [name for name in names if canonical(name) == key]
    return matches[0] if len(matches) == 1 else None
