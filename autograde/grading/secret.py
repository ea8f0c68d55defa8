"""Private hidden tests: the instructor's secret, the seeds the hidden tests draw from under it,
and the folder of hidden references recorded with it.

The solutions, the public hidden references and every `seeded(N)` are in the repository, so
anyone can compute the hidden checks' values. With a secret, each `seeded(N)` and `build(N, …)`
of a hidden test (a literal N between nbgrader's hidden-test markers) draws from
HMAC-SHA256(secret, "seeded:N") instead, and the hidden references are recorded with those
seeds into a folder outside the repository. Visible checks keep their public seeds: the release
shows them, and students run them at home against the public visible references.

The secret stays in the grading process. A notebook's process gets only the table of derived
seeds (grader.Settings.request puts it in the protocol's Request): its inputs, never the
secret, nor the references, which stay outside the sandbox.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import course
from ..errors import UsageError

ENV = "AUTOGRADE_SECRET"  # the secret itself, for a CI job or an instructor's shell
FINGERPRINT_KEY = "secret_fingerprint"  # in the private files' metadata: which secret recorded them
# a literal N given to seeded(N) or build(N, …): what a hidden test draws its inputs and weights from
SEED_CALL = re.compile(r"\b(?:seeded|build)\(\s*(\d+)\s*[,)]")


@dataclass(frozen=True)
class Secret:
    value: bytes = field(repr=False)  # never printed, never sent to a worker
    references: Path  # the private hidden references: one folder per assignment, outside the course

    def seed(self, n: int) -> int:
        """The seed a hidden test's `seeded(n)` draws from: 63 bits of HMAC-SHA256(secret, "seeded:n")."""
        digest = hmac.new(self.value, f"seeded:{n}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:8], "big") >> 1

    def table(self, assignment: str) -> list[tuple[int, int]]:
        """(N, derived seed) for every seed of the assignment's hidden tests."""
        return [(n, self.seed(n)) for n in hidden_seeds(assignment)]

    def fingerprint(self) -> str:
        """Names the secret without revealing it, stored beside the references recorded with it."""
        return hmac.new(self.value, b"autograde: private hidden references", hashlib.sha256).hexdigest()[:32]

    def folder(self, assignment: str) -> Path:
        return self.references / assignment


def default_file() -> Path:
    """Where an instructor keeps the secret when no flag or variable names it: outside the course."""
    config = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "autograde" / course.ROOT.name / "secret"


def find(secret_file: str | Path | None = None, hidden_references: str | Path | None = None) -> Secret | None:
    """The instructor's secret: `secret_file`, else $AUTOGRADE_SECRET, else default_file() if it
    exists; None when there is none (grading then uses the public hidden references). The private
    references live in `hidden_references`, by default in `hidden-references/` beside the file."""
    if secret_file is not None:
        path = Path(secret_file).expanduser()
        if not path.is_file():
            raise UsageError(f"no secret file at {path}")
    elif os.environ.get(ENV):
        path = None
    elif default_file().is_file():
        path = default_file()
    else:
        return None
    value = (path.read_bytes() if path else os.environ[ENV].encode()).strip()
    if not value:
        raise UsageError(f"the secret ({path or '$' + ENV}) is empty")
    folder = Path(hidden_references).expanduser() if hidden_references else (path or default_file()).parent / "hidden-references"
    _kept_apart(folder, "the private hidden references", "--hidden-references")
    if path:
        _kept_apart(path, "the secret file", "--secret-file")
    return Secret(value, folder.resolve())


def _kept_apart(path: Path, what: str, flag: str) -> None:
    """Refuse a place inside the course (it would be committed, or handed out) or under a folder
    the grading sandbox mounts (workers/sandbox.readable_roots: students' code would read it)."""
    from ..workers.sandbox import readable_roots

    path = path.resolve()
    if path.is_relative_to(course.ROOT) or any(path.is_relative_to(root) for root in readable_roots()):
        raise UsageError(f"{what} must be kept outside the course and the Python environment, not in {path}: "
                         f"choose another place ({flag})")


def hidden_seeds(assignment: str) -> list[int]:
    """The literal N of every `seeded(N)` and `build(N, …)` in the hidden tests of the assignment's
    solutions. A seed used outside the hidden tests too is refused: a secret would move that
    visible check away from the public visible references students check against."""
    from ..verdict.failures import HIDDEN_REGION  # with torch: not where the command starts

    inside, outside = set(), set()
    for path in sorted(course.solutions(assignment).glob("*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:  # not nbformat: grading loads it later
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            if cell["cell_type"] == "code":
                inside.update(int(n) for region in HIDDEN_REGION.findall(source) for n in SEED_CALL.findall(region))
                outside.update(int(n) for n in SEED_CALL.findall(HIDDEN_REGION.sub("", source)))
    both = sorted(inside & outside)
    if both:
        raise UsageError(f"{assignment}: seed(s) {', '.join(map(str, both))} are used both in hidden tests and outside "
                         "them: give the hidden tests seeds of their own")
    return sorted(inside)


def check_recorded(secret: Secret, assignment: str) -> None:
    """Stop (UsageError) unless the private hidden references of every notebook of `assignment`
    were recorded with this secret and hold every hidden check."""
    how = f"record them with `autograde references --assignment {assignment}` and the same secret"
    for visible in sorted((course.references(assignment) / "visible").glob("*.safetensors")):
        path = secret.folder(assignment) / visible.name
        if not path.is_file():
            raise UsageError(f"grading with a secret, but there are no private hidden references for {visible.stem} "
                             f"in {secret.folder(assignment)}: {how}")
        header = _header(path)
        if header.get("__metadata__", {}).get(FINGERPRINT_KEY) != secret.fingerprint():
            raise UsageError(f"the private hidden references in {path} were recorded with another secret: {how}")
        exercises = json.loads(_header(visible).get("__metadata__", {}).get("exercises", "{}"))
        wanted = {c["name"] for e in exercises.values() for c in e["checks"] if c["hidden"]}
        names = set(header) - {"__metadata__"}
        if wanted - names:
            raise UsageError(f"the private hidden references in {path} lack {len(wanted - names)} hidden check(s) "
                             f"(recorded from older solutions?): {how}")


def _header(path: Path) -> dict:
    """A safetensors file's header (its tensors' names and its metadata), read without torch,
    which the grading process loads only once its workers are starting."""
    with open(path, "rb") as f:
        size = int.from_bytes(f.read(8), "little")
        try:
            return json.loads(f.read(min(size, 1 << 26)))
        except ValueError:
            return {}
