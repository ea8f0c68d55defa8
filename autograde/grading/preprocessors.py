"""The steps `autograde grade` adds to nbgrader's autograde pipeline (composed, in order, in
grader.sanitize_steps and grader.autograde_steps):
  RepairCells           among the sanitizing steps, before nbgrader's OverwriteCells
  GiveCellIds           the last sanitizing step: an id for every cell, which the worker's
                        outputs come back under
  PrecomputedExecute    nbgrader's Execute, filled in from the warm worker that ran the cells
  CompareWithReference  the verdict, computed here, outside the learner's code (scoring.py:
                        it needs torch, which loads while the first notebooks run)
  ... then nbgrader's own LimitOutput, PlainTests (plain_tests.py: the verdicts of the test
  cells the references do not know, which nbgrader scores) and nbgrader's SaveAutoGrades.
and nbgrader's steps that look things up in the gradebook, pointed at what a Recorder
(recording.py) read once for the run: SnapshotOverwriteCells, SnapshotOverwriteKernelspec,
SessionSaveAutoGrades; and CheckCellMetadataOnce, nbgrader's metadata check with its schema
checked once rather than for every cell.
"""
from __future__ import annotations

import copy
import json
import logging
from functools import lru_cache

import nbformat
from nbformat import NotebookNode
from nbgrader.nbgraderformat import ValidationError
from nbgrader.nbgraderformat.common import BaseMetadataValidator, SchemaTooNewError, SchemaTooOldError
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import (CheckCellMetadata, NbGraderPreprocessor, OverwriteCells, OverwriteKernelspec,
                                    SaveAutoGrades)

from ..workers.protocol import NOT_COUNTED, TEST_MACHINERY_CHANGED, Mismatch, Reply, code_cells, match_cells
from .recording import AUTOGRADE_KEY, RAN_KEY
from ..verdict.statuses import say
from ..intake.structure import first_change, read_structure, released

log = logging.getLogger(__name__)
STATUS_KEY = "autograde"  # notebook metadata where the steps leave notes for the grade report
# how a worker says a notebook stopped (zygote.py) -> the status saying so
STOPPED = {"died": "kernel-died", "timeout": "cell-timeout", "time limit": "notebook-time-limit",
           "memory limit": "cell-memory", "output limit": "output-limit", "corrupt output": "output-tampered"}


def notes(nb: NotebookNode) -> list[dict]:
    """The notebook's notes so far, each a status from the catalogue as {"code", "en", "zh"}."""
    return nb.metadata.setdefault(STATUS_KEY, {}).setdefault("notes", [])


def note(nb: NotebookNode, code: str, **values) -> None:
    notes(nb).append(say(code, **values).as_dict())


class SnapshotOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, looking cells up in the run's AssignmentCells instead of
    opening the gradebook for every notebook."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.gradebook = resources[AUTOGRADE_KEY]["cells"]
        nb, resources = NbGraderPreprocessor.preprocess(self, nb, resources)  # nbgrader's per-cell loop
        if self.add_missing_cells:
            nb, resources = self.add_missing_grade_cells(nb, resources)
            nb, resources = self.add_missing_task_cells(nb, resources)
        return nb, resources


class SnapshotOverwriteKernelspec(OverwriteKernelspec):
    """nbgrader's OverwriteKernelspec, reading the kernelspec from the run's AssignmentCells."""

    def preprocess(self, nb, resources):
        cells = resources[AUTOGRADE_KEY]["cells"]
        kernelspec = cells.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"]).kernelspec
        if kernelspec:
            nb.metadata["kernelspec"] = json.loads(kernelspec)
        return nb, resources


class CheckCellMetadataOnce(CheckCellMetadata):
    """nbgrader's CheckCellMetadata; its validator checks the metadata schema itself once per
    run instead of once per cell (jsonschema.validate does that on every call)."""

    def preprocess(self, nb, resources):
        try:
            _metadata_validator().validate_nb(nb)
        except ValidationError as exc:
            raise ValidationError("Notebook failed to validate; the nbgrader metadata may be corrupted.") from exc
        return nb, resources


class _PreparedSchema(BaseMetadataValidator):
    """BaseMetadataValidator's cell check, with a schema validator prepared once."""

    def __init__(self):
        super().__init__()
        from jsonschema.validators import validator_for

        cls = validator_for(self.schema)
        cls.check_schema(self.schema)
        self._validator = cls(self.schema)

    def validate_cell(self, cell):
        if "nbgrader" not in cell.metadata:
            return
        version = cell.metadata["nbgrader"].get("schema_version", 0)
        if version < self.schema_version:
            raise SchemaTooOldError(f"Outdated schema version: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        if version > self.schema_version:
            raise SchemaTooNewError(f"Schema version is too new: {version} (expected {self.schema_version})",
                                    version, self.schema_version)
        self._validator.validate(cell.metadata["nbgrader"])


class _OnceCheckedValidator(MetadataValidatorV3, _PreparedSchema):
    """nbgrader's v3 checks; their `super().validate_cell` lands on _PreparedSchema."""


@lru_cache(maxsize=1)
def _metadata_validator() -> _OnceCheckedValidator:
    return _OnceCheckedValidator()


class SessionSaveAutoGrades(SaveAutoGrades):
    """nbgrader's SaveAutoGrades, writing into the student's grades the Recorder loaded in its
    gradebook session (it commits the whole student at once)."""

    def preprocess(self, nb, resources):
        self.notebook_id = resources["nbgrader"]["notebook"]
        self.assignment_id = resources["nbgrader"]["assignment"]
        self.student_id = resources["nbgrader"]["student"]
        self.gradebook = resources[AUTOGRADE_KEY]["grades"]
        return NbGraderPreprocessor.preprocess(self, nb, resources)


class GiveCellIds(NbGraderPreprocessor):
    """The last sanitizing step: every cell gets an id no other cell has, so that the worker's
    outputs come back named by the cell they belong to (protocol.py). nbformat gives ids to
    the cells of a 4.5 notebook as it reads it; a notebook of an older minor version has none,
    and a cell put back or added since may lack one. Those get `cell-<position>` (with a suffix
    should another cell have that id already), the same every run."""

    def preprocess(self, nb, resources):
        taken = {cell.get("id") for cell in nb.cells if _valid_id(cell.get("id"))}
        seen, given = set(), False
        for position, cell in enumerate(nb.cells):
            if _valid_id(cell.get("id")) and cell["id"] not in seen:
                seen.add(cell["id"])
                continue
            fresh, n = f"cell-{position}", 1
            while fresh in taken:
                n += 1
                fresh = f"cell-{position}-{n}"
            cell["id"] = fresh
            taken.add(fresh)
            seen.add(fresh)
            given = True
        if given and nb.nbformat == 4 and nb.nbformat_minor < 5:
            nb.nbformat_minor = 5  # the version that has cell ids
        return nb, resources


def _valid_id(cell_id) -> bool:
    """An id as nbformat 4.5 allows it: 1 to 64 letters, digits, '-' and '_'."""
    return isinstance(cell_id, str) and 0 < len(cell_id) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in cell_id)


class PrecomputedExecute(NbGraderPreprocessor):
    """nbgrader's Execute step, when the cells have already run in a warm worker (warm.py):
    their outputs (the worker's reply, handed in through the resources) go into the code
    cells, each into the cell whose id they carry, and what went wrong becomes a note. A reply
    whose cells are not this notebook's (protocol.match_cells) puts no output anywhere: the
    notebook is not graded, and the next run grades it again."""

    def preprocess(self, nb, resources):
        reply: Reply = resources[AUTOGRADE_KEY]["reply"]
        try:
            ran = match_cells(code_cells(nb), reply)
        except Mismatch as exc:
            log.warning("%s/%s: the worker's reply does not fit the notebook: %s",
                        resources["nbgrader"]["student"], resources["nbgrader"]["notebook"], exc)
            note(nb, "not-graded")
            resources[AUTOGRADE_KEY][RAN_KEY] = set()
            return nb, resources
        resources[AUTOGRADE_KEY][RAN_KEY] = {cell["id"] for cell in ran}  # the others never ran: plain_tests.PlainTests
        where = {cell.id: index for index, cell in enumerate(nb.cells)}
        shown, named = None, set()
        for count, cell in enumerate(ran, start=1):
            index = where[cell["id"]]
            nb.cells[index].outputs = [nbformat.from_dict(o) for o in cell["outputs"]]
            nb.cells[index].execution_count = count
            for output in cell["outputs"]:
                reason = _error_reason(output) if output.get("output_type") == "error" else None
                if reason is None and (output.get("metadata") or {}).get(NOT_COUNTED) and not shown:
                    reason = shown = "value-not-counted"  # said once, for the first test cell
                if reason:
                    note(nb, reason, cell=index + 1)
            replaced = [name for name in cell.get("restored", []) if name not in named]
            if replaced:  # said at the first test cell each replacement was found before
                named.update(replaced)
                note(nb, "machinery-restored", cell=index + 1, names=", ".join(replaced))
        stopped = reply["stopped"]
        if stopped:
            where_stopped = where[stopped["id"]] + 1 if stopped["id"] is not None else len(nb.cells)
            note(nb, STOPPED.get(stopped["why"], "stopped"), cell=where_stopped)
        if reply["truncated"]:
            note(nb, "output-truncated")
        nb.metadata.setdefault(STATUS_KEY, {})["seconds"] = round(float(reply["seconds"]), 3)  # for the class report's grading times
        return nb, resources


def _error_reason(output: NotebookNode) -> str | None:
    """The status code for an error a limit raised inside the kernel (None: the learner's own error)."""
    text = f"{output.get('ename')}: {output.get('evalue')}"
    if output.get("ename") == "CellTimeoutError":
        return "cell-timeout"
    if output.get("ename") == TEST_MACHINERY_CHANGED:
        return "test-machinery-changed"
    if "MemoryError" in text or "can't allocate memory" in text or "not enough memory" in text:
        return "cell-memory"
    return None


class RepairCells(NbGraderPreprocessor):
    """Before nbgrader's OverwriteCells: put right what structure.read_structure finds in a
    hand-in. Drop nbgrader metadata that is not ours or not valid (and the copies of a
    duplicated cell), give back the metadata a student's editor stripped or changed, and put
    back the locked cells (set-up, given code, tests) a student deleted, where they were. The
    score is then what the student's answers earn."""

    def preprocess(self, nb, resources):
        # the notes, verdicts and times under this key are the grader's: a hand-in cannot bring its own
        nb.metadata.pop(STATUS_KEY, None)
        for cell in nb.cells:
            cell.metadata.pop(STATUS_KEY, None)
        found = read_structure(released(resources["nbgrader"]["assignment"], resources["nbgrader"]["notebook"]), nb)
        copies, foreign = set(found.copies), set(found.foreign)
        for i, cell in enumerate(nb.cells):
            if i in copies or i in foreign:
                del cell.metadata["nbgrader"]
                note(nb, "duplicates-ignored" if i in copies else "metadata-removed")
            elif i in found.recast:  # ours: the release's metadata back, whatever the student's file says
                cell.metadata["nbgrader"] = copy.deepcopy(found.metadata(found.recast[i]))
                note(nb, "metadata-restored")
        for i, grade_id in found.stripped.items():
            nb.cells[i].metadata["nbgrader"] = copy.deepcopy(found.metadata(grade_id))
        if found.stripped:
            note(nb, "metadata-restored")
        if found.moved:
            note(nb, "cells-reordered")
        if found.retyped:
            note(nb, "cell-type-restored")  # nbgrader's OverwriteCells puts the type back
        for grade_id in found.edited:  # OverwriteCells puts the source back: the row says what was there
            edited = self._as_released(nb.cells[found.cells[grade_id]])
            if edited == found.release[grade_id].source:
                continue  # the instructor's own copy, hidden tests in: nothing a student changed
            line, text = first_change(found.release[grade_id].source, edited)
            kind = "test-cell-edited" if found.metadata(grade_id).get("grade") else "read-only-cell-edited"
            note(nb, kind, grade_id=grade_id, line=line, text=text)
        standing = {grade_id: nb.cells[i] for grade_id, i in found.cells.items()}
        position, restored = 0, []
        for grade_id, original in found.release.items():
            if grade_id in standing:
                position = next(i for i, cell in enumerate(nb.cells) if cell is standing[grade_id]) + 1
            elif found.metadata(grade_id).get("locked"):
                nb.cells.insert(position, _fresh_copy(original))
                position += 1
                restored.append(grade_id)
        if restored:
            note(nb, "cells-restored", cells=", ".join(restored))
        return nb, resources

    def _as_released(self, cell: NotebookNode) -> str:
        """A read-only cell's source as nbgrader's release would make it (its hidden tests
        cleared with the course's own delimiters)."""
        from nbgrader.preprocessors import ClearHiddenTests

        copied = copy.deepcopy(cell)
        try:
            ClearHiddenTests(config=self.config)._remove_hidden_test_region(copied)
        except RuntimeError:  # unbalanced delimiters: the source as it stands
            return cell.source
        return copied.source


def _fresh_copy(cell: NotebookNode) -> NotebookNode:
    import uuid

    fresh = copy.deepcopy(cell)
    fresh["id"] = uuid.uuid4().hex[:8]
    return fresh
