"""Reading what students handed in, before anything runs: LMS downloads and archives
(lms.py, archive.py), the roster, whose hand-in is whose (submissions.py), and how a hand-in's
cells stand against the release (structure.py). Everything here is hostile input."""
