# nbgrader reads this when run from the repository root.
# The instructor's notebooks (with solutions) live in solutions/, the student release in notebooks/.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "attention-from-scratch"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE · 在此处写代码\nraise NotImplementedError()"}
# Seconds a cell may run, for nbgrader and for `autograde grade` and `autograde check` (their
# --timeout overrides it). Notebooks run in a few seconds; a cell that needs half a minute is stuck.
c.Execute.timeout = 30
