"""What a grading worker loads once, before it forks any notebook (workers/zygote.py): the
modules the assignment's notebooks import, read from the import statements of its source
notebooks. A notebook then finds them loaded, as every notebook did torch, and a worker never
spends seconds warming torch for a course whose notebooks do not use it.

The statements are the instructor's, read here and never run; a student's hand-in has no say.
Modules the assignment ships beside its notebooks (helper.py, a helpers/ package) are left out:
a notebook must import those from its own folder, where the student's copy may stand in."""
from __future__ import annotations

import ast
import json
from pathlib import Path


MAGIC = ("%", "!")  # IPython's line magics and shell escapes: not Python, and no import of their own


def imported_modules(source: Path) -> tuple[str, ...]:
    """The absolute module names the notebooks of a source assignment (`course.source(...)`)
    import (`import a.b`, `from a.b import c`), sorted, without those its own files provide."""
    if not source.is_dir():
        return ()
    own = {p.stem for p in source.iterdir() if p.suffix == ".py" or p.is_dir()}
    found: set[str] = set()
    for path in sorted(source.glob("*.ipynb")):
        found |= _imports_of(path)
    return tuple(sorted(m for m in found if m.split(".")[0] not in own))


def _imports_of(path: Path) -> set[str]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return set()  # nbgrader reports an unreadable source notebook itself
    found: set[str] = set()
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        lines = [line for line in text.splitlines() if not line.lstrip().startswith(MAGIC)]
        try:
            tree = ast.parse("\n".join(lines))
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    return found
