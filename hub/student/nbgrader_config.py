# nbgrader as a student's JupyterLab on the hub sees it: the course and the exchange its
# assignment list fetches from and submits to (hub/jupyterhub_config.py passes COURSE_EXCHANGE).
import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "attention-from-scratch"  # as the course's own nbgrader_config.py
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
