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

# Each user's JupyterLab runs as that Unix user, in their home folder (nbgrader's exchange knows
# students by their account). An instructor's from the environment the hub runs in: the course's
# clone, solutions and hidden tests included. A student's from an environment made from the
# handout (`autograde handout`: no solutions, no hidden tests), since students must not be able to
# read the clone (the README's set-up closes it to them but for hub/).
INSTRUCTOR_BIN = Path(sys.executable).parent
STUDENT_BIN = Path(os.environ.get("COURSE_STUDENT_BIN", "/opt/attention-student/.venv/bin"))
c.Spawner.default_url = "/lab"
c.Spawner.environment = {"COURSE_EXCHANGE": EXCHANGE}


def members(group: str) -> set[str]:
    try:
        return set(grp.getgrnam(group).gr_mem)
    except KeyError:  # no such group on this machine: nobody is in it
        return set()


def lab_for_role(spawner) -> None:
    """The instructor's lab and environment for the instructors' group, the student's for
    everyone else (so that nobody gets the instructor's by accident)."""
    instructor = spawner.user.name in members(INSTRUCTORS)
    bin_folder = INSTRUCTOR_BIN if instructor else STUDENT_BIN
    spawner.cmd = [str(bin_folder / "jupyterhub-singleuser")]
    spawner.environment["JUPYTER_CONFIG_PATH"] = str(HERE / ("instructor" if instructor else "student"))
    # `nbgrader` and `autograde` in a terminal of the lab are that environment's
    spawner.environment["PATH"] = os.pathsep.join([str(bin_folder), os.environ.get("PATH", "/usr/bin:/bin")])


c.Spawner.pre_spawn_hook = lab_for_role
