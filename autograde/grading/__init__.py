"""Grading hand-ins with nbgrader: the run and its journal (grader.py), nbgrader's pipeline and
gradebook (nbgrader_api.py, preprocessors.py, recording.py), scoring against the references
(scoring.py) or by nbgrader's rules (plain_tests.py), and each notebook's feedback page."""
