# JupyterHub for this course on one machine: local (PAM) accounts, one JupyterLab per user started
# as that user, nbgrader's exchange on the same disk. Run as root from any folder:
#
#     jupyterhub -f /path/to/course/hub/jupyterhub_config.py
#
# Who is who comes from two Unix groups: members of COURSE_STUDENT_GROUP (default "students") get
# the student lab (hub/student/: nbgrader's assignment list to fetch and submit, no instructor
# tools), members of COURSE_INSTRUCTOR_GROUP (default "instructors") the instructor lab
# (hub/instructor/: formgrader, Create Assignment, course list). Everything else this file reads
# from the environment has a default for a real deployment; tests/test_jupyterhub.py changes them.
#
# A real deployment changes: the authenticator (an OAuth or LTI login instead of PAM, e.g.
# oauthenticator; then accounts still need Unix users, see LocalAuthenticator.create_system_users),
# HTTPS (c.JupyterHub.ssl_key/ssl_cert, or a reverse proxy in front), limits per user
# (c.Spawner.mem_limit needs a spawner that enforces it, e.g. systemdspawner), and the groups.
import grp
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("COURSE_HUB_STATE", "/srv/jupyterhub"))  # the hub's database and cookie secret
EXCHANGE = os.environ.get("COURSE_EXCHANGE", "/srv/nbgrader/exchange")  # nbgrader's; hub/*/nbgrader_config.py read it
STUDENTS = os.environ.get("COURSE_STUDENT_GROUP", "students")
INSTRUCTORS = os.environ.get("COURSE_INSTRUCTOR_GROUP", "instructors")

c.JupyterHub.bind_url = os.environ.get("COURSE_HUB_URL", "http://:8000")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set()  # nobody by name: the groups below decide
c.PAMAuthenticator.allowed_groups = {STUDENTS, INSTRUCTORS}

# each user's JupyterLab from the environment the hub runs in (the course installed there), as
# that Unix user, in their home folder: nbgrader's exchange identifies students by their account
c.Spawner.cmd = [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
# PATH: `nbgrader` and `autograde` in a terminal of the lab are this environment's
c.Spawner.environment = {"COURSE_EXCHANGE": EXCHANGE,
                         "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")])}


def members(group: str) -> set[str]:
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:  # no such group on this machine: nobody is in it
        return set()


def lab_for_role(spawner) -> None:
    """The instructor's lab for the instructors' group, the student's for everyone else (so
    that nobody gets nbgrader's instructor tools by accident)."""
    lab = "instructor" if spawner.user.name in members(INSTRUCTORS) else "student"
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(HERE / lab)


c.Spawner.pre_spawn_hook = lab_for_role
