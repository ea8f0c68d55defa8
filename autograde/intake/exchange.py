"""nbgrader's `collect` for a shared exchange (a JupyterHub on one machine), where every student
can write into `inbound/`: a hand-in counts only for the account that wrote it.

Stock nbgrader takes the latest `{student}+{assignment}+{time}` folder per student by its name
and only warns when another account owns it (`check_owner`), so any student can hand in in
someone else's name; and it copies with the instructor's rights, following symbolic links, so a
link in a student's own folder hands in any file the instructor can read (the solutions). Here
such a folder is refused, said in the log, and never hides its victim's own hand-in.
hub/instructor/nbgrader_config.py selects it through nbgrader's ExchangeFactory.
"""
from __future__ import annotations

import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect


def written_by(folder: str) -> str | None:
    """The account that wrote `folder` and everything in it; None when it is not a real folder
    (a symbolic link), or holds a link, anything another account owns (a hard link to their
    file, say) or anything the collector cannot read."""
    try:
        top = os.lstat(folder)
        if not stat.S_ISDIR(top.st_mode):
            return None
        unreadable = [folder] if not os.access(folder, os.R_OK | os.X_OK) else []
        for parent, folders, files in os.walk(folder, onerror=lambda error: unreadable.append(error)):
            for name in folders + files:
                path = os.path.join(parent, name)
                entry = os.lstat(path)
                if stat.S_ISLNK(entry.st_mode) or entry.st_uid != top.st_uid:
                    return None
                if not os.access(path, os.R_OK | (os.X_OK if stat.S_ISDIR(entry.st_mode) else 0)):
                    unreadable.append(path)  # copying it would stop the collect for everyone
        if unreadable:
            return None
        return pwd.getpwuid(top.st_uid).pw_name
    except (OSError, KeyError):  # gone meanwhile, or an account since removed
        return None


class OwnerCheckedCollect(ExchangeCollect):
    """nbgrader's collect, taking for each student their latest hand-in that they wrote."""

    def _path_to_record(self, path: str) -> dict:
        record = super()._path_to_record(path)
        owner = written_by(path)
        record["genuine"] = owner == record["username"]
        if not record["genuine"]:
            self.log.error("refused %s: named for %s, but %s", path, record["username"],
                           f"written by {owner}" if owner else "not a folder of that student's own files")
        return record

    def _sort_by_timestamp(self, records: list[dict]) -> list[dict]:
        # what each student wrote first, latest first: a refused folder never hides their own
        return sorted(records, key=lambda r: (r["genuine"], r["timestamp"]), reverse=True)

    def copy_files(self) -> None:
        self.src_records = [r for r in self.src_records if r["genuine"]]
        super().copy_files()
