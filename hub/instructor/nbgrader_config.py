# nbgrader as an instructor's JupyterLab and commands on the hub see it: the course and the exchange
# that release_assignment, collect and release_feedback use (hub/jupyterhub_config.py passes COURSE_EXCHANGE).
import os

c = get_config()  # noqa: F821

c.CourseDirectory.course_id = "attention-from-scratch"  # as the course's own nbgrader_config.py
c.Exchange.root = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")
# collect: a hand-in counts only for the account that wrote it (stock nbgrader only warns when a
# folder in inbound/, which every student can write to, is named for someone else)
c.ExchangeFactory.collect = "autograde.intake.exchange.OwnerCheckedCollect"
