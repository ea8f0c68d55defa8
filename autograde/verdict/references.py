"""The reference tensors: one safetensors file per notebook for the book's inputs (and the
values of known mistakes), and one beside it, in hidden/, for the hidden inputs. Each
assignment has its own folder, `reference/<assignment>/`; grade ids and check names are
unique across the course (`autograde references` refuses a clash), so a notebook's checks
find their values whichever assignment it belongs to.

The grader's sandbox mounts only visible/, so a learner's code never sees hidden values.
Under an instructor's secret (grading/secret.py) the hidden references come instead from a
private folder outside the course, `<folder>/<assignment>/<notebook>.safetensors`, recorded
with the secret's seeds; grading reads them within `private_hidden(folder)`.
The catalogue of exercises (titles, hints, checks and their points) travels in the
visible files' metadata, so it always matches the tensors it describes.
"""
from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .. import course

if TYPE_CHECKING:
    import torch

MISTAKE_SEP = "~"


class MissingReference(KeyError):
    def __str__(self) -> str:
        return (f"no reference tensor named {self.args[0]!r}: the notebook and the installed "
                "references disagree (run `autograde references` after changing solutions/)")


@dataclass
class References:
    visible: dict[str, torch.Tensor] = field(default_factory=dict)
    hidden: dict[str, torch.Tensor] = field(default_factory=dict)
    # grade_id -> {"notebook", "title", "hint", "points", "checks": [{"name", "points", "hidden"}]}
    exercises: dict[str, dict] = field(default_factory=dict)

    def expected(self, name: str) -> torch.Tensor:
        for store in (self.visible, self.hidden):
            if name in store:
                return store[name]
        raise MissingReference(name)

    def is_hidden(self, name: str) -> bool:
        return name in self.hidden or any(c["name"] == name and c["hidden"] for e in self.exercises.values() for c in e["checks"])

    def mistakes_for(self, name: str) -> dict[str, torch.Tensor]:
        prefix = name + MISTAKE_SEP
        return {key[len(prefix):]: t for store in (self.visible, self.hidden) for key, t in store.items() if key.startswith(prefix)}

    def grade_id_of(self, title: str) -> str | None:
        """The grade id of the exercise called `title` (None when unknown)."""
        return next((gid for gid, e in self.exercises.items() if e["title"] == title), None)

    def notebook_of_check(self, name: str) -> str | None:
        """The notebook whose exercise has the check `name` (None when unknown)."""
        return next((e["notebook"] for e in self.exercises.values() if any(c["name"] == name for c in e["checks"])), None)

    def notebooks(self) -> list[str]:
        return sorted({e["notebook"] for e in self.exercises.values()})

    def exercises_of(self, notebook: str) -> dict[str, dict]:
        """The exercises of one notebook, in course order."""
        return {gid: self.exercises[gid] for gid in self.ordered() if self.exercises[gid]["notebook"] == notebook}

    def ordered(self) -> list[str]:
        """Grade ids in course order: by notebook, then by exercise number (ex2 before ex10)."""
        def order(gid: str) -> tuple:
            number = re.search(r"\d+", gid)
            return self.exercises[gid]["notebook"], int(number.group()) if number else 0, gid

        return sorted(self.exercises, key=order)


def load(directory: Path | None = None, *, hidden: bool = True, private: Path | None = None) -> References:
    """The references of one assignment's folder, or of every assignment (None). `private`: the
    folder of hidden references recorded under a secret, read instead of each hidden/."""
    from safetensors import safe_open  # and torch: only where there are references to read

    refs = References()
    folders = [directory] if directory is not None else sorted(p for p in course.REFERENCE_DIR.glob("*") if p.is_dir())
    for path in sorted(p for folder in folders for p in (folder / "visible").glob("*.safetensors")):
        with safe_open(path, "pt") as f:
            refs.exercises.update(json.loads((f.metadata() or {}).get("exercises", "{}")))
            refs.visible.update({k: f.get_tensor(k) for k in f.keys()})
    if hidden:
        hidden_folders = [folder / "hidden" if private is None else private / folder.name for folder in folders]
        for path in sorted(p for folder in hidden_folders for p in folder.glob("*.safetensors")):
            with safe_open(path, "pt") as f:
                refs.hidden.update({k: f.get_tensor(k) for k in f.keys()})
    return refs


_PRIVATE: list[Path | None] = [None]  # where references() takes the hidden ones from (None: each hidden/)


@lru_cache(maxsize=1)
def references() -> References:
    """The installed references, loaded once per process (hidden ones only where present)."""
    return load(private=_PRIVATE[0])


@contextlib.contextmanager
def private_hidden(folder: Path | None) -> Iterator[None]:
    """Within the block, references() takes the hidden references from `folder` (recorded under
    a secret; None: the public ones in each hidden/)."""
    before = _PRIVATE[0]
    _PRIVATE[0] = folder
    references.cache_clear()
    try:
        yield
    finally:
        _PRIVATE[0] = before
        references.cache_clear()


def clashes(mine: References, other: References) -> list[str]:
    """Grade ids and check names that one assignment's references share with another's (a
    notebook finds its checks' values by name, whichever assignment they come from)."""
    def checks(refs: References) -> set[str]:
        return {c["name"] for e in refs.exercises.values() for c in e["checks"]}

    return ([f"grade id {gid!r} is also used by notebook {other.exercises[gid]['notebook']}"
             for gid in sorted(mine.exercises.keys() & other.exercises.keys())] +
            [f"check name {name!r} is also used by notebook {other.notebook_of_check(name)}"
             for name in sorted(checks(mine) & checks(other))])


def save(refs: References, directory: Path, *, private: tuple[Path, dict[str, str]] | None = None) -> list[Path]:
    """Write one visible and one hidden file per notebook into one assignment's folder
    (`course.references(assignment)`); returns the files written. `private` (a folder and the
    files' metadata): write only the hidden files, there, as `<notebook>.safetensors`. A file whose
    bytes would not change is not written (nor returned)."""
    from safetensors.torch import save

    from .. import atomic

    written = []
    for notebook in refs.notebooks():
        exercises = refs.exercises_of(notebook)
        names = {c["name"] for e in exercises.values() for c in e["checks"]}

        def mine(store: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
            return {k: v.contiguous() for k, v in sorted(store.items()) if k.split(MISTAKE_SEP)[0] in names}

        files = [(directory / "visible", refs.visible, {"exercises": json.dumps(exercises, sort_keys=True, ensure_ascii=False)}),
                 (directory / "hidden", refs.hidden, None)] if private is None else [(private[0], refs.hidden, private[1])]
        for folder, store, meta in files:
            path = folder / f"{notebook}.safetensors"
            path.parent.mkdir(mode=0o777 if private is None else 0o700, parents=True, exist_ok=True)  # private: the instructor's alone
            data = save(mine(store), metadata=meta)
            if path.is_file() and path.read_bytes() == data:
                continue  # unchanged: the file is left as it is, its time stamp too
            # a notebook reads visible ones as another uid; the private ones are the instructor's alone
            atomic.write_bytes(path, data, 0o644 if private is None and folder.name == "visible" else 0o600)
            written.append(path)
    return written
