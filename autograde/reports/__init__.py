"""What grading writes out for the instructor: grades.csv and the terminal's summary
(grades.py), the LMS grade-import files (lms_export.py), all of them rebuilt from the gradebook
(export.py, with the late policy of late.py), the class report (class_report.py,
its plots in report_plots.py, similarity.py for hand-ins that look alike)."""
