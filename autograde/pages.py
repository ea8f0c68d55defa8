"""The HTML the course writes, rendered from the Jinja2 templates in templates/: the feedback
pages, the verdicts a learner sees in JupyterLab and the class report.

Autoescaping is on for every template, so whatever comes from a notebook (names, outputs,
error messages) is escaped wherever it lands; only the class report's own SVG plots are
marked safe, in its template."""
from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    import jinja2


def number(x: Any) -> Any:
    """A score or a count as people write it: 2, 2.5, 0.25 (Python's `g` format)."""
    return f"{x:g}" if isinstance(x, (int, float)) else x


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    """The one Jinja2 environment, made on first use: `autograde --help` and the notebooks'
    helpers start without importing Jinja2."""
    import jinja2

    # auto_reload off: the templates ship with the package, and a sandboxed notebook
    # process that renders a verdict need not look at their files again
    env = jinja2.Environment(loader=jinja2.PackageLoader("autograde", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             auto_reload=False)
    env.filters["pct"] = lambda x: f"{100 * x:.0f}%"
    env.filters["num"] = number
    env.filters["href"] = lambda parts: "/".join(quote(str(p), safe="") for p in parts)
    return env


def render(template: str, **context: Any) -> str:
    """The template called `template` (a file in templates/) rendered with `context`."""
    return environment().get_template(template).render(**context)
