"""Each student's feedback pages (DIR/feedback/STUDENT/NOTEBOOK.html, written by grading) put
where each route back to students picks them up:

- nbgrader's exchange: DIR/.nbgrader/feedback/STUDENT/ASSIGNMENT/NOTEBOOK.html with the
  hand-in's timestamp.txt and submission_secret.txt beside them, the layout `nbgrader
  release_feedback` reads (nbgrader/exchange/default/release_feedback.py: it names each page in
  the exchange by a hash of the secret and the notebook, which the student's `fetch_feedback`
  recomputes from their own copy of the secret). Only hand-ins that came through nbgrader's
  exchange carry a secret; release_feedback cannot name anyone else's, so they are not there.
- Canvas, "Re-Upload Submissions" (on the assignment's page, after Download Submissions):
  Canvas has no upload of feedback files as such; it attaches each file of the zip to the
  submission it names as a submission comment. The name is read as in canvas-lms
  app/models/assignment.rb (infer_comment_context_from_filename): its first two `_`-parts that
  are all digits are the user id and the id of a file of that student's submission. So each
  page is `feedback_{user id}_{attachment id}_{notebook}-feedback.html` in DIR/feedback-canvas.zip.
- Moodle, "Upload multiple feedback files in a zip" (View all submissions > Grading action):
  folders named as its download names them, `{full name}_{participant id}_assignsubmission_file_`
  (mod/assign/feedback/file/importziplib.php, is_valid_filename_for_import: the part after the
  first `_` is the participant id); each file in them that is new or changed (is_file_modified)
  becomes a feedback file. DIR/feedback-moodle.zip; the worksheet's comment names the pages.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from .. import atomic
from ..intake.submissions import Handin

NBGRADER_FEEDBACK = Path(".nbgrader") / "feedback"  # CourseDirectory.feedback_directory under the run's course root
ZIPS = {"canvas": "feedback-canvas.zip", "moodle": "feedback-moodle.zip"}
NBGRADER_TIME = "%Y-%m-%d %H:%M:%S.%f UTC"  # nbgrader's Exchange.timestamp_format, in UTC


def pages(out: Path, student: str) -> list[Path]:
    folder = out / "feedback" / student
    return sorted(folder.glob("*.html")) if folder.is_dir() else []


def page_name(page: Path) -> str:
    """What the student receives: `01_attention_without_weights-feedback.html`."""
    return f"{page.stem}-feedback.html"


def write_nbgrader(out: Path, assignment: str, handins: list[Handin]) -> list[Path]:
    """nbgrader's feedback layout, for each hand-in with a submission secret; returns the folders."""
    written = []
    for handin in handins:
        own = pages(out, handin.student_id)
        folder = out / NBGRADER_FEEDBACK / handin.student_id / assignment
        if folder.exists():
            shutil.rmtree(folder)
        if not (handin.secret and own):
            continue
        folder.mkdir(parents=True)
        for page in own:
            shutil.copyfile(page, folder / page.name)
        when = handin.submitted.strftime(NBGRADER_TIME) if handin.submitted else ""
        atomic.write_text(folder / "timestamp.txt", when)
        atomic.write_text(folder / "submission_secret.txt", handin.secret)
        written.append(folder)
    return written


def canvas_entries(out: Path, handin: Handin) -> list[tuple[str, Path]]:
    owner = handin.owner
    if not (owner and owner.lms == "canvas" and owner.key.isdigit() and owner.order.isdigit()):
        return []  # not from a Canvas download, or anonymous: nothing names the submission
    return [(f"feedback_{owner.key}_{int(owner.order)}_{page_name(page)}", page) for page in pages(out, handin.student_id)]


def moodle_entries(out: Path, handin: Handin) -> list[tuple[str, Path]]:
    student, owner = handin.student, handin.owner
    participant = student.lms_id if student else owner.key if owner and owner.lms == "moodle" else ""
    if not participant.isdigit():
        return []
    label = handin.student_id.replace("_", " ")  # Moodle splits the folder's name at "_": the name holds none
    return [(f"{label}_{participant}_assignsubmission_file_/{page_name(page)}", page) for page in pages(out, handin.student_id)]


def write_lms(kind: str, out: Path, handins: list[Handin]) -> tuple[Path | None, dict[str, list[str]]]:
    """DIR/feedback-KIND.zip of every student's pages the LMS can be told about; returns it (None
    when nobody's) and, per student id, the names their pages get."""
    entries = canvas_entries if kind == "canvas" else moodle_entries
    path = out / ZIPS[kind]
    named: dict[str, list[str]] = {}
    listed = [(handin, name, page) for handin in handins for name, page in entries(out, handin)]
    if not listed:
        path.unlink(missing_ok=True)
        return None, named
    with atomic.replacing(path, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as archive:
        for handin, name, page in listed:
            archive.write(page, name)
            named.setdefault(handin.student_id, []).append(page_name(page))
    return path, named
