"""Hand-ins that look copied: winnowing fingerprints per exercise, as MOSS and JPlag do.

Each exercise's code (the cells a student could edit, up to the exercise's test cell) is
tokenized and normalised as copydetect's filter does (names become V, strings S, comments
and whitespace go), cut into k-grams and winnowed with copydetect. Fingerprints of the
released starter code are removed, and fingerprints that many students share are not
counted (the obvious way to write something is not evidence of copying). A pair's
similarity is the share of each student's fingerprints that the other one has, on average.

Hashes are computed here rather than with Python's `hash()` (which copydetect uses and
which changes between runs), so the same class gives the same ranking every time.
"""
from __future__ import annotations

import bisect
import builtins
import io
import itertools
import keyword
import math
import tokenize
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from copydetect import compare_files
from copydetect.utils import filter_code, get_token_coverage, winnow

K = 20  # characters of normalised code per k-gram (about 6 tokens)
WINDOW = 5  # winnowing window: any shared run of K + WINDOW - 1 characters is found


@dataclass(frozen=True)
class Thresholds:
    flag: float = 0.6  # a pair is flagged at this similarity or above...
    min_shared: int = 4  # ...when it shares at least this many rare fingerprints
    report: float = 0.3  # pairs at this similarity or above go into similarity.csv
    common_share: float = 0.05  # fingerprints held by more than this share of the class are ignored
    common_min: int = 3  # ...but never fewer students than this


@dataclass
class Fingerprint:
    """One student's code for one exercise; the attributes copydetect's compare_files reads."""
    raw_code: str
    filtered_code: str
    offsets: np.ndarray
    hashes: set[int]
    hash_idx: dict[int, list[int]]
    token_coverage: float
    plain: str  # the code without comments and layout, names kept: what "identical" compares
    k: int = K


@dataclass
class Pair:
    exercise: str
    a: str
    b: str
    similarity: float
    share_a: float
    share_b: float
    shared: int
    identical: bool
    flagged: bool
    code_a: str = ""
    code_b: str = ""
    lines_a: set[int] = field(default_factory=set)  # matching lines, 0-based
    lines_b: set[int] = field(default_factory=set)


@dataclass
class IdenticalGroup:
    notebook: str
    students: list[str]


@dataclass
class Similarity:
    pairs: list[Pair]  # ranked: flagged first, most similar first
    identical: list[IdenticalGroup]
    students: int = 0

    @property
    def flagged(self) -> list[Pair]:
        return [p for p in self.pairs if p.flagged]


def exercise_cells(nb: dict, exercises: set[str] | None = None) -> dict[str, list[str]]:
    """Grade id -> the sources of the cells a student could edit, from after the previous test
    cell to this exercise's test cell. `nb` is the notebook's JSON; odd cells are skipped."""
    cells: dict[str, list[str]] = {}
    pending: list[str] = []
    for cell in nb.get("cells", []) if isinstance(nb, dict) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell.get("metadata"), dict) else {}
        meta = meta if isinstance(meta, dict) else {}
        if meta.get("grade"):
            grade_id = meta.get("grade_id")
            if isinstance(grade_id, str) and (exercises is None or grade_id in exercises):
                cells[grade_id] = pending
            pending = []
        elif not meta.get("locked"):
            source = cell.get("source", "")
            pending.append("".join(source) if isinstance(source, list) else str(source))
    return cells


def own_code(cells: list[str], released: list[str]) -> str:
    """The student's cells without those left exactly as released (the rest keeps its starter
    lines: their fingerprints are removed later)."""
    given = {c.strip() for c in released}
    return "\n\n".join(c for c in cells if c.strip() not in given)


def fingerprint(code: str, starter: set[int] = frozenset()) -> Fingerprint:
    filtered, offsets, plain = normalise(code)
    hashes, idx = winnow(_kgram_hashes(filtered), WINDOW, remove_duplicates=False)
    hash_idx: dict[int, list[int]] = defaultdict(list)
    for h, i in zip(hashes.tolist(), idx.tolist()):
        if h not in starter:
            hash_idx[h].append(i)
    return Fingerprint(code, filtered, offsets, set(hash_idx), dict(hash_idx),
                       get_token_coverage(hash_idx, K, len(filtered)), plain)


def starter_hashes(code: str) -> set[int]:
    """Every k-gram of the released code, so that no fingerprint of it counts as shared."""
    return set(_kgram_hashes(normalise(code)[0]).tolist())


def compare_class(code: dict[str, dict[str, str]], starter: dict[str, str],
                  thresholds: Thresholds = Thresholds(), notebook_of: dict[str, str] | None = None) -> Similarity:
    """`code`: exercise -> student -> code; `starter`: exercise -> the released code.
    `notebook_of` (exercise -> notebook) groups exercises into hand-ins for identical copies."""
    pairs: list[Pair] = []
    students = sorted({s for by_student in code.values() for s in by_student})
    plains: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)  # (notebook, student) -> plain code
    for exercise in sorted(code):
        boiler = starter_hashes(starter.get(exercise, ""))
        release_plain = normalise(starter.get(exercise, ""))[2]
        prints = {s: fingerprint(c, boiler) for s, c in sorted(code[exercise].items())}
        for s, fp in prints.items():
            plains[((notebook_of or {}).get(exercise, exercise), s)].append((exercise, "" if fp.plain == release_plain else fp.plain))
        pairs += _rank_exercise(exercise, prints, release_plain, thresholds, len(students))
    identical = _identical(plains)
    # a pair whose whole notebook is identical is listed once, as an identical hand-in
    same = {(g.notebook, a, b) for g in identical for a, b in itertools.combinations(g.students, 2)}
    pairs = [p for p in pairs if ((notebook_of or {}).get(p.exercise, p.exercise), p.a, p.b) not in same]
    pairs.sort(key=lambda p: (not p.flagged, -p.similarity, p.exercise, p.a, p.b))
    return Similarity(pairs, identical, len(students))


def _rank_exercise(exercise: str, prints: dict[str, Fingerprint], release_plain: str,
                   thresholds: Thresholds, class_size: int) -> list[Pair]:
    holders: dict[int, list[str]] = defaultdict(list)
    for student, fp in prints.items():
        for h in fp.hashes:
            holders[h].append(student)
    common = max(thresholds.common_min, math.ceil(thresholds.common_share * class_size))
    shared: Counter[tuple[str, str]] = Counter()
    for who in holders.values():
        if 1 < len(who) <= common:
            shared.update(itertools.combinations(sorted(who), 2))
    pairs = []
    for (a, b), count in shared.items():
        share_a, share_b = count / len(prints[a].hashes), count / len(prints[b].hashes)
        similarity = (share_a + share_b) / 2
        if similarity < thresholds.report:
            continue
        fa, fb = prints[a], prints[b]
        identical = fa.plain == fb.plain and fa.plain != release_plain
        flagged = similarity >= thresholds.flag and count >= thresholds.min_shared
        pair = Pair(exercise, a, b, round(similarity, 4), round(share_a, 4), round(share_b, 4), count, identical, flagged)
        if flagged:
            pair.code_a, pair.code_b = fa.raw_code, fb.raw_code
            pair.lines_a, pair.lines_b = matching_lines(fa, fb)
        pairs.append(pair)
    return pairs


def matching_lines(fa: Fingerprint, fb: Fingerprint) -> tuple[set[int], set[int]]:
    """The lines of each side that a shared fingerprint covers (0-based)."""
    _, _, (slices_a, slices_b) = compare_files(fa, fb)
    return _lines(fa.raw_code, slices_a), _lines(fb.raw_code, slices_b)


def _lines(code: str, slices: np.ndarray) -> set[int]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return set()
    starts = [0] + [i + 1 for i, ch in enumerate(code) if ch == "\n"]
    lines = set()
    for start, end in zip(slices[0].tolist(), slices[1].tolist()):
        first = bisect.bisect_right(starts, start) - 1
        last = bisect.bisect_right(starts, max(start, end - 1)) - 1
        lines.update(range(first, last + 1))
    return lines


def _identical(plains: dict[tuple[str, str], list[tuple[str, str]]]) -> list[IdenticalGroup]:
    """Students whose code for a whole notebook is the same, comments and layout aside
    (a notebook left as released is not a copy of anyone's)."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = defaultdict(list)
    for (notebook, student), parts in plains.items():
        if any(plain for _, plain in parts):
            groups[(notebook, tuple(parts))].append(student)
    found = [IdenticalGroup(notebook, sorted(students)) for (notebook, _), students in groups.items() if len(students) > 1]
    return sorted(found, key=lambda g: (g.notebook, g.students))


def _kgram_hashes(text: str, k: int = K) -> np.ndarray:
    """A polynomial hash of every k-character window: the same on every run and machine."""
    if len(text) < k:
        return np.empty(0, dtype=np.int64)
    chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(chars) - k + 1
    hashes = np.zeros(n, dtype=np.uint64)
    for i in range(k):  # wraps modulo 2**64, as intended
        hashes = hashes * np.uint64(1_000_003) + chars[i:i + n]
    # winnowing compares hashes as floats: keep them within float64's exact integers
    return (hashes >> np.uint64(11)).astype(np.int64)


_LAYOUT = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
_STRINGS = {tokenize.STRING} | {getattr(tokenize, t) for t in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, t)}
_KEPT_NAMES = set(keyword.kwlist) | set(dir(builtins))


def normalise(code: str) -> tuple[str, np.ndarray, str]:
    """(normalised code, offsets back to the raw code, plain code).

    The normalised code is what copydetect's filter makes (names V, functions F, classes O,
    strings S; keywords, builtins, operators and numbers kept; comments and layout gone),
    with offsets in its format, so its compare_files can point at the raw lines. Python's
    own tokenizer does it several times faster than Pygments; code it cannot tokenize (a
    stray indent, an unclosed string) goes through copydetect's Pygments filter instead.
    The plain code keeps the names: two hand-ins are identical when it is the same.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError):
        filtered, offsets = filter_code(code, "cell.py", "python")
        return filtered, offsets, " ".join(code.split())
    starts = [0]
    for line in code.split("\n"):
        starts.append(starts[-1] + len(line) + 1)
    out: list[str] = []
    length, removed, position = 0, 0, 0
    offsets = [[0, 0]]
    plain = []
    previous = ""
    for tok in tokens:
        start = starts[tok.start[0] - 1] + tok.start[1]
        end = starts[tok.end[0] - 1] + tok.end[1]
        if start > position:  # layout between tokens
            offsets.append([length - 1, removed])
            removed += start - position
        position = max(position, end)
        text = tok.string
        if tok.type in _LAYOUT:
            if end > start:
                offsets.append([length - 1, removed])
                removed += end - start
            continue
        plain.append(text)
        if tok.type == tokenize.NAME and (text not in _KEPT_NAMES or previous == "."):
            short = "F" if previous == "def" else "O" if previous == "class" else "V"
        elif tok.type in _STRINGS:
            short = "S"
        else:
            short = text
        if short != text:
            out.append(short)
            length += 1
            offsets.append([length - 1, removed])
            removed += len(text) - 1
        else:
            out.append(text)
            length += len(text)
        previous = text
    return "".join(out), np.array(offsets), " ".join(plain)
