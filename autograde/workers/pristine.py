"""Test cells run under the machinery the notebook's process started with, not what a student's
cells left behind.

A plain nbgrader test cell earns its points when it runs without an error, and a number it
shows is partial credit (nbgrader's determine_grade reads its outputs). So a student cell that
changes how later cells run or what they show could make a failing test pass: IPython's custom
exception handler (`set_custom_exc`), input and AST transformers, `pre_run_cell` and other
event hooks, its displayhook, display publisher and formatters, methods replaced on the shell or
on its classes (or the shell made an instance of another class), `sys.excepthook` and `sys.displayhook`, a trace or profile function (which can jump
over a test's lines), import hooks (`sys.meta_path`, a module replaced in `sys.modules`), names
rebound or added in `builtins` (`__import__`, `__build_class__`, `AssertionError`, a global
that a test deletes on purpose), and the helpers tests assert with (`math.isclose`,
`numpy.testing`, `torch.testing`, `unittest`). Before each test cell the notebook's process
puts every one of these back as it found them before the first cell, and after the test cell
gives the student's own back to the cells that follow (an extension a student loaded keeps
working in their own cells). What cannot be put back stops the test cell (zygote.TamperedTest:
it earns nothing, `test-machinery-changed`). The names a student's cells define in the notebook's namespace are
theirs: a test sees them, as in nbgrader.

`outputs_that_count` then keeps, of a test cell's outputs, only what its own code could have
produced for nbgrader to score: an `execute_result` counts (as partial credit) only as the cell's
last output and only when the cell ends in an expression and did not fail; any other becomes a
`display_data`, which nbgrader does not score, marked so that the row says so (`value-not-counted`).

This closes the ways IPython and Python offer to change another cell. Code that a test cell
calls still runs in the same process (it must: the test asserts on the student's objects), and a
student's code that reaches into the interpreter itself (ctypes, another frame's locals, the
worker's own objects) while a test calls it could still lie, as under stock nbgrader, whose
kernel holds its own session key: such code is there in the hand-in for a person to read.
"""
from __future__ import annotations

import ast
import builtins
import functools
import importlib
import os
import re
import sys
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .protocol import NOT_COUNTED

# The modules whose attributes and functions tests assert with: put back before each test cell.
# Imported by the warm process when they are installed, so that a notebook cannot be first.
HELPERS = ("math", "cmath", "operator", "numbers", "unittest", "unittest.case", "numpy", "numpy.testing",
           "torch", "torch.testing", "IPython.display", "IPython.core.display_functions")
# Heavy helpers are imported only where the worker warmed them because the assignment's
# notebooks import them: a course that never imports torch has no test that asserts with it,
# and its notebooks start without it, as in a fresh kernel.
HEAVY = ("numpy", "torch")
MISSING = object()


def import_helpers() -> None:
    """Import the helper modules that are installed (in the warm process, before any notebook)."""
    for name in HELPERS:
        if name.split(".")[0] in HEAVY and name.split(".")[0] not in sys.modules:
            continue
        try:
            importlib.import_module(name)
        except ImportError:
            pass


def _same(a, b) -> bool:
    """Identity, element by element for the tuples the list namespaces read (never a student's __eq__)."""
    if type(a) is tuple and type(b) is tuple:
        return len(a) == len(b) and all(x is y for x, y in zip(a, b))
    return a is b


@dataclass
class Namespace:
    """Something keyed a student can change: read it whole, put a key, drop a key."""
    read: Callable[[], dict]
    put: Callable[[str, object], None]
    drop: Callable[[str], None] | None = None  # keys added since the snapshot are dropped (None: kept)
    pristine: dict = field(default_factory=dict)
    # what a key put back is called in a notebook's row (`torch.allclose`), for the namespaces that
    # only a student's tampering changes; None: libraries change it too (a formatter, an event hook),
    # so putting it back is said nowhere
    label: str | None = None
    behaviour_only: bool = False  # name only code, classes and deletions (the object's data changes as it works)

    def named(self, undo: dict) -> list[str]:
        """What of `undo` (key -> what stood there instead) a row names: the keys a notebook
        replaced, added or deleted. What an installed library put there (torch._dynamo wrapping
        torch.manual_seed on first use, matplotlib registering a formatter) is put back but not named."""
        if self.label is None:
            return []
        return [f"{self.label}.{_key_name(k)}" for k, v in undo.items()
                if not _installed(v) and (not self.behaviour_only or _behaviour(v))]

    def reset(self) -> dict:
        """Put the pristine values back; what was there instead, to give back after the test cell."""
        now, undo = self.read(), {}
        for key, value in self.pristine.items():
            if not _same(now.get(key, MISSING), value):
                undo[key] = now.get(key, MISSING)
                self.put(key, value)
        if self.drop is not None:
            for key in now.keys() - self.pristine.keys():
                undo[key] = now[key]
                self.drop(key)
        return undo

    def holds_pristine(self) -> bool:
        now = self.read()
        extra = self.drop is not None and bool(now.keys() - self.pristine.keys())
        return not extra and all(_same(now.get(key, MISSING), value) for key, value in self.pristine.items())

    def give_back(self, undo: dict) -> None:
        """The student's values again, where the test cell itself did not change them."""
        if not undo:
            return
        now = self.read()
        for key, value in undo.items():
            if _same(now.get(key, MISSING), self.pristine.get(key, MISSING)):
                if value is MISSING:
                    if self.drop is not None or key in now:
                        (self.drop or (lambda k: None))(key)
                else:
                    self.put(key, value)


def _key_name(key) -> str:
    """A namespace's key as part of a dotted name (a formatter table is keyed by types, a
    function's parts by (name, part), the formatters by MIME types). Exact types only, as in
    _installed: a key a notebook added may be any object, and naming it runs none of its code."""
    kind = type(key)
    if kind is tuple:
        return ".".join(map(_key_name, key))
    if issubclass(kind, type):
        return type.__dict__["__qualname__"].__get__(key)
    return re.sub(r"\W", "_", key) or "_" if kind is str else "_"


def _installed(value, depth: int = 0) -> bool:
    """Whether `value` is what an installed package or this course made (its code, its class),
    not a notebook's cells or a file a notebook wrote. Data a notebook set (a tuple of
    exceptions, a number) and anything deleted count as the notebook's. Read without running
    any of the value's own code: only exact types, and descriptors of `type` itself."""
    kind = type(value)
    if value is MISSING or depth > 3:
        return False
    if kind is tuple or kind is list:
        return bool(value) and all(_installed(v, depth + 1) for v in value)
    if kind is types.MethodType:
        return _installed(value.__func__, depth + 1)
    if kind is functools.partial:
        return _installed(value.func, depth + 1)
    code = value if kind is types.CodeType else value.__code__ if kind is types.FunctionType else None
    if code is not None:
        return _in_installed_folder(code.co_filename)
    cls = value if issubclass(kind, type) else kind
    module = type.__dict__["__module__"].__get__(cls)
    loaded = sys.modules.get(module) if type(module) is str and module != "__main__" else None
    file = vars(loaded).get("__file__") if type(loaded) is types.ModuleType else None
    return type(file) is str and _in_installed_folder(file)


def _behaviour(value) -> bool:
    """Whether `value` changes what runs: Python code, a class or an instance of one defined in
    Python, a deletion, or a tuple or list holding one (IPython's own objects change their data as
    cells run: a compiler's flags, the hook it saved). Exact types only, as in _installed."""
    kind = type(value)
    if kind is tuple or kind is list:
        return any(_behaviour(v) for v in value[:64])
    heap = type.__dict__["__flags__"].__get__(kind) & (1 << 9)  # an instance of a class defined in Python
    return (value is MISSING or kind in (types.FunctionType, types.MethodType, types.CodeType, functools.partial)
            or issubclass(kind, type) or bool(heap))


def _in_installed_folder(file: str) -> bool:
    return bool(file) and any(file.startswith(folder) for folder in _installed_folders())


@functools.lru_cache(maxsize=1)
def _installed_folders() -> tuple[str, ...]:
    import sysconfig

    paths = sysconfig.get_paths()
    folders = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    folders.add(str(Path(__file__).resolve().parents[1]))  # the course's own package
    return tuple(os.path.join(form, "") for f in folders for form in {f, os.path.realpath(f)})


def _class_name(cls: type) -> str:
    """A class's dotted name (the worker's own classes are defined in a function)."""
    return f"{cls.__module__}.{cls.__qualname__}".replace(".<locals>", "")


def _labelled(namespace: Namespace, label: str) -> Namespace:
    """`namespace`, one of IPython's objects or the worker's, named `label` in a row."""
    namespace.label, namespace.behaviour_only = label, True
    return namespace


def _mapping(mapping: dict, drop: bool = False, label: str | None = None) -> Namespace:
    def remove(key):
        mapping.pop(key, None)

    return Namespace(lambda: dict(mapping), mapping.__setitem__, remove if drop else None, label=label)


# what the shell changes itself as cells run, and the student's own names: never put back
VOLATILE = {"_", "__", "___",  # the displayhook's last values shown
            "execution_count", "last_execution_result", "last_execution_succeeded", "sys_excepthook", "user_ns",
            "user_module", "user_global_ns", "user_ns_hidden", "_last_traceback", "_main_mod_cache"}


def _shadows(obj) -> Namespace:
    """An object's own attributes, and any it adds that shadow its class's (a method replaced on it)."""
    attrs = vars(obj)
    cls = type(obj)

    def read():
        return {k: v for k, v in attrs.items() if k not in VOLATILE and (k in pristine_keys or hasattr(cls, k))}

    def remove(key):
        attrs.pop(key, None)

    pristine_keys = set(attrs)
    return Namespace(read, attrs.__setitem__, remove)


def _class(cls: type) -> Namespace:
    """A class's own attributes, set through type's own setattr (a metaclass's cannot stop it)."""
    def remove(key):
        try:
            type.__delattr__(cls, key)
        except AttributeError:
            pass

    return Namespace(lambda: dict(vars(cls)), lambda key, value: type.__setattr__(cls, key, value), remove)


def _kind(obj) -> Namespace:
    """Which class an object is (`obj.__class__ = Lenient` would change every method at once)."""
    return Namespace(lambda: {"__class__": type(obj)}, lambda key, value: object.__setattr__(obj, key, value))


def _lists(owner, names: tuple[str, ...]) -> Namespace:
    """Lists kept on an object (the transformers), by their contents."""
    def read():
        return {name: tuple(getattr(owner, name)) for name in names if type(getattr(owner, name, None)) is list}

    def put(name, items):
        getattr(owner, name)[:] = list(items)

    return Namespace(read, put)


def _callbacks(events) -> Namespace:
    def read():
        return {name: tuple(hooks) for name, hooks in events.callbacks.items() if type(hooks) is list}

    def put(name, hooks):
        events.callbacks[name][:] = list(hooks)

    return Namespace(read, put)


def _functions(module: types.ModuleType, label: str | None = None) -> Namespace:
    """The code and defaults of a module's Python functions (`f.__code__ = ...` changes no dict)."""
    functions = {name: f for name, f in vars(module).items() if type(f) is types.FunctionType}

    def read():
        return {(name, part): getattr(f, part) for name, f in functions.items()
                for part in ("__code__", "__defaults__", "__kwdefaults__")}

    def put(key, value):
        setattr(functions[key[0]], key[1], value)

    return Namespace(read, put, label=label)


def _methods(cls: type) -> Namespace:
    """Only the methods of a class whose other attributes change as it works (the worker's capture)."""
    kinds = (types.FunctionType, classmethod, staticmethod)
    return Namespace(lambda: {k: v for k, v in vars(cls).items() if isinstance(v, kinds)}, lambda k, v: setattr(cls, k, v))


def _heap_classes(*objects) -> list[type]:
    """The classes of these objects that Python code can change (not object, not C types)."""
    seen: dict[type, None] = {}
    for obj in objects:
        for cls in type(obj).__mro__:
            if cls.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE: defined in Python
                seen[cls] = None
    return list(seen)


class Pristine:
    """What the notebook's process runs cells with, taken before its first cell."""

    def __init__(self, shell, *workers: type) -> None:
        """`workers`: the worker's own classes that capture outputs (their methods only)."""
        sys_keys = ("excepthook", "displayhook", "stdout", "stderr", "stdin", "meta_path", "path_hooks")
        manager = shell.input_transformer_manager
        formatters = list(shell.display_formatter.formatters.values())  # how a value is shown: for_type() and all
        owned = (shell.displayhook, shell.display_pub, shell.events, manager, shell.compile, shell.builtin_trap,
                 shell.display_trap, shell.display_formatter, *formatters)
        # what a row calls each object a notebook may change (a name of dotted identifiers)
        called = {id(shell): "shell", **{id(obj): name for obj, name in zip(owned, (
            "shell.displayhook", "shell.display_pub", "shell.events", "shell.input_transformer_manager", "shell.compile",
            "shell.builtin_trap", "shell.display_trap", "shell.display_formatter"))}}
        for f in formatters:
            called[id(f)] = f"shell.display_formatter.{type(f).__name__}"
        # in this order: what an object is and has before what its lists and tables hold
        self.namespaces = [
            *[_labelled(_kind(obj), called[id(obj)]) for obj in (shell, *owned)],
            *[_labelled(_class(cls), _class_name(cls)) for cls in _heap_classes(shell, *owned)],
            *[_labelled(_methods(cls), _class_name(cls)) for cls in workers],
            *[_labelled(_shadows(obj), called[id(obj)]) for obj in (shell, *owned)],
            _labelled(Namespace(lambda: {k: v for k, v in shell._trait_values.items() if k not in VOLATILE},
                                shell._trait_values.__setitem__), "shell"),
            _mapping(vars(builtins), drop=True, label="builtins"),
            Namespace(lambda: {k: getattr(sys, k, MISSING) for k in sys_keys}, lambda k, v: setattr(sys, k, v), label="sys"),
            _mapping(sys.modules, label="sys.modules"),  # a module replaced (modules imported later are the notebook's)
            _labelled(_mapping(shell.events.callbacks, drop=True), "shell.events.callbacks"),
            _labelled(_mapping(shell.display_formatter.formatters, drop=True), "shell.display_formatter.formatters"),
            *[_labelled(_mapping(getattr(f, table), drop=True), f"{called[id(f)]}.{table}")
              for f in formatters for table in ("type_printers", "deferred_printers")
              if type(getattr(f, table, None)) is dict],
            _labelled(_lists(sys, ("meta_path", "path_hooks")), "sys"),
            _labelled(_lists(shell, ("ast_transformers", "input_transformers_post")), "shell"),
            _labelled(_lists(manager, ("cleanup_transforms", "line_transforms", "token_transformers")),
                      "shell.input_transformer_manager"),
            _labelled(_callbacks(shell.events), "shell.events.callbacks"),
        ]
        for name in HELPERS:
            module = sys.modules.get(name)
            if module is not None:
                self.namespaces += [_mapping(vars(module), label=name), _functions(module, label=name)]
        for namespace in self.namespaces:
            namespace.pristine = namespace.read()
        _installed_folders()  # read now, before a notebook's code could change what sysconfig says
        self.restored: list[str] = []  # what the last reset put back that only tampering changes

    def reset(self) -> Callable[[], None]:
        """Put everything back as it was before the first cell; a function that gives the
        student's own back. The trace and profile functions are off while the test runs."""
        trace, profile = sys.gettrace(), sys.getprofile()
        if trace is not None:
            sys.settrace(None)
        if profile is not None:
            sys.setprofile(None)
        undos = [namespace.reset() for namespace in self.namespaces]
        # named before the check below: naming runs no code of a notebook's, and whatever it
        # changed after this reset is found there
        named = {name for namespace, undo in zip(self.namespaces, undos) for name in namespace.named(undo)}
        named |= {f"sys.{hook}" for hook, f in (("settrace", trace), ("setprofile", profile)) if f is not None and not _installed(f)}
        self.restored = sorted(named)
        # what could not be put back stops the test (TamperedTest, in zygote.py); one found as it was is
        # not read again (a test cell costs one read of each, a few milliseconds in all)
        for namespace, undo in zip(self.namespaces, undos):
            if undo and not namespace.holds_pristine():
                raise RuntimeError("the machinery test cells run with could not be put back")

        def give_back() -> None:
            for namespace, undo in reversed(list(zip(self.namespaces, undos))):
                namespace.give_back(undo)
            if trace is not None:
                sys.settrace(trace)
            if profile is not None:
                sys.setprofile(profile)

        return give_back


def outputs_that_count(outputs: list[dict], source: str, failed: bool) -> list[dict]:
    """A test cell's outputs, where only what the cell itself shows as its value can be partial
    credit: its last output, an `execute_result` of a cell that ends in an expression and did
    not fail. Any other `execute_result` (one a student's function or hook made) becomes a
    `display_data`, which nbgrader does not score."""
    last_index = len(outputs) - 1
    if failed or not outputs or outputs[-1].get("output_type") != "execute_result" or not _ends_in_expression(source):
        last_index = -1
    return [{**{k: v for k, v in o.items() if k not in ("execution_count", "metadata")}, "output_type": "display_data",
             "metadata": {**(o.get("metadata") or {}), NOT_COUNTED: True}}
            if o.get("output_type") == "execute_result" and i != last_index else o for i, o in enumerate(outputs)]


def _ends_in_expression(source: str) -> bool:
    try:
        body = ast.parse(source).body
    except (SyntaxError, ValueError):
        return False
    return bool(body) and isinstance(body[-1], ast.Expr)
