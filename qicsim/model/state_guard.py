"""Guarded mode, for tests: each weekly process may write only the staff columns it owns.

``with guarded(model): model.run()`` runs a model with every column of its
:class:`~qicsim.model.staff.StaffTable` locked: each array read-only, and rebinding an
attribute (``staff.x = ...``) refused. Each process of the week
(:class:`~qicsim.model.ownership.Process`) is wrapped so that while it runs, the columns it owns
(``staff.COLUMNS``) and only those are unlocked; a write to any other raises
:class:`OwnershipError` naming the process and the column. Processes called within another
(a held mediator imposed during a meeting) have their own columns while they run.

Nothing here is imported by the model: production runs pay nothing. The wrapping replaces the
processes' functions in their modules for the duration (``unittest.mock.patch``), so only the
guarded model should run inside the ``with`` block.
"""

from __future__ import annotations

import ast
import functools
import importlib
import linecache
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import MappingProxyType, TracebackType
from typing import TYPE_CHECKING, Any
from unittest import mock

import numpy as np

from qicsim.model.ownership import Process
from qicsim.model.staff import COLUMNS, StaffTable
from qicsim.model.ties import Ties

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


class OwnershipError(AssertionError):
    """A process wrote a staff column it does not own."""


class GuardedStaffTable(StaffTable):
    """A locked table (guarded mode only): rebinding a column checks the running process owns it."""

    _state_guard: StateGuard

    def __setattr__(self, name: str, value: Any) -> None:
        if name in COLUMNS:
            self._state_guard.check_rebind(name)
        object.__setattr__(self, name, value)


class GuardedTies(Ties):
    """Locked ties (guarded mode only): only the owners of ``ties`` may rebind their arrays or count."""

    _state_guard: StateGuard

    def __setattr__(self, name: str, value: Any) -> None:
        self._state_guard.check_rebind("ties")
        object.__setattr__(self, name, value)


class StateGuard:
    """Locks a model's staff table and unlocks each process's own columns while it runs.

    Attributes:
        model: The guarded model.
        running: The processes running now, innermost last.
        entered: Every top-level process call, in order (to check the list of processes).
        written: The columns each process was seen to change (its own, or the guard would
            have stopped it; a change by a process called within it counts for both): to check
            that no owner is declared in vain.
    """

    def __init__(self, model: QICModel) -> None:
        self.model = model
        self.table = model.staff
        # Batched processes write the model's columns through the views its batch of one holds.
        self.batched = {**vars(model.own_batch().staff), **vars(model.own_batch().homes)}
        self.running: list[Process] = []
        self.entered: list[Process] = []
        self.written: dict[Process, set[str]] = defaultdict(set)
        self._flags: dict[int, tuple[np.ndarray, bool]] = {}
        self._containers: dict[str, Any] = {}

    # --- locking -------------------------------------------------------------------------

    def column_arrays(self, name: str) -> list[np.ndarray]:
        """The arrays holding a column now (looked up afresh: an owner may have replaced them)."""
        value = vars(self.table)[name]
        if isinstance(value, np.ndarray):
            # The column before its batch's view: a view can be made writeable only if its base is.
            return [value, self.batched[name]] if name in self.batched else [value]
        if isinstance(value, Ties):
            # The buffer before its views: a view can be made writeable only if its base is.
            return [value._flat, *value.blocks, value._a, value._b, value._w]
        if isinstance(value, MappingProxyType | dict):
            return list(value.values())
        return []

    def _fixed_ties_arrays(self) -> list[np.ndarray]:
        """Ties' layout and colleague flags: set up once, written by no process."""
        ties = self.table.ties
        return [ties.site, ties.start, ties.size, ties.offset, ties._colleague_flat, *ties.colleague]

    def lock(self) -> None:
        """Lock every column: arrays read-only, attributes checked, fixed containers immutable."""
        table = self.table
        for array in (*(a for name in COLUMNS for a in self.column_arrays(name)), *self._fixed_ties_arrays()):
            self._flags.setdefault(id(array), (array, bool(array.flags.writeable)))
        # Fixed containers become immutable views of themselves for the run.
        self._containers = {"holders": table.holders, "agents": table.agents}
        object.__setattr__(table, "holders", MappingProxyType(table.holders))
        object.__setattr__(table, "agents", tuple(table.agents))
        for obj, guarded_class in ((table, GuardedStaffTable), (table.ties, GuardedTies)):
            object.__setattr__(obj, "_state_guard", self)
            object.__setattr__(obj, "__class__", guarded_class)
        for array in self._fixed_ties_arrays():
            array.flags.writeable = False
        self.allow(None)

    def unlock(self) -> None:
        """Give the table back as it was: plain classes, containers and writeable arrays."""
        table = self.table
        for obj, plain_class in ((table, StaffTable), (table.ties, Ties)):
            object.__setattr__(obj, "__class__", plain_class)
            del obj._state_guard
        for name, container in self._containers.items():
            setattr(table, name, container)
        arrays = [*(a for name in COLUMNS for a in self.column_arrays(name)), *self._fixed_ties_arrays()]
        for array in arrays:  # bases first (see column_arrays)
            array.flags.writeable = self._flags.get(id(array), (array, True))[1]

    def allow(self, process: Process | None) -> None:
        """Make writeable exactly the columns ``process`` owns (none for None)."""
        for name, column in COLUMNS.items():
            writeable = process in column.owners
            for array in self.column_arrays(name):
                array.flags.writeable = writeable

    @contextmanager
    def process(self, process: Process) -> Iterator[None]:
        """Run ``process`` with its own columns unlocked, then lock them again."""
        if not self.running:
            self.entered.append(process)
        self.running.append(process)
        self.allow(process)
        owned = [name for name, column in COLUMNS.items() if process in column.owners]
        before = {name: self.snapshot(name) for name in owned}
        try:
            yield
        except ValueError as error:
            if "read-only" not in str(error):
                raise
            raise OwnershipError(self.describe(process, error)) from error
        else:
            self.written[process].update(name for name in owned if self.snapshot(name) != before[name])
        finally:
            self.running.pop()
            self.allow(self.running[-1] if self.running else None)

    def snapshot(self, name: str) -> tuple[Any, ...]:
        """A column's content now, to compare with later."""
        value = vars(self.table)[name]
        if isinstance(value, Ties):
            return value._flat.tobytes(), value._w[: value.m].tobytes(), value.m
        if isinstance(value, np.ndarray):
            return (value.tobytes(),)
        return (tuple(array.tobytes() for array in self.column_arrays(name)) or value,)

    # --- naming what went wrong --------------------------------------------------------------

    def check_rebind(self, name: str) -> None:
        """Raise unless the running process owns column ``name``.

        Raises:
            OwnershipError: Naming the process and the column.
        """
        process = self.running[-1] if self.running else None
        if process not in COLUMNS[name].owners:
            raise OwnershipError(f"{_who(process)} rebinds staff.{name}, {_owned_by(name)}")

    def describe(self, process: Process | None, error: BaseException) -> str:
        """What a failed write was: the process, the column it wrote and where."""
        column, where = self._written_column(error.__traceback__)
        target = f"staff.{column}, {_owned_by(column)}" if column else "a staff column it does not own"
        return f"{_who(process)} wrote {target} ({where})"

    def _written_column(self, traceback: TracebackType | None) -> tuple[str | None, str]:
        """The column a failed write targeted and the line, from the innermost frame that names it."""
        frames = []
        while traceback is not None:
            frames.append((traceback.tb_frame, traceback.tb_lineno))
            traceback = traceback.tb_next
        owner_of = self._column_of_objects()
        where = "unknown place"
        for frame, line in reversed(frames):
            filename = frame.f_code.co_filename
            if filename == __file__:
                continue
            here = f"{filename}:{line}: {linecache.getline(filename, line).strip()}"
            where = here if where == "unknown place" else where  # the innermost line, if no column is found
            for chain in _write_targets(filename, line):
                obj = _evaluate(chain, frame.f_locals, frame.f_globals)
                while isinstance(obj, np.ndarray) and id(obj) not in owner_of and obj.base is not None:
                    obj = obj.base
                if obj is not None and id(obj) in owner_of:
                    return owner_of[id(obj)], here
        return None, where

    def _column_of_objects(self) -> dict[int, str]:
        owner_of = {id(vars(self.table)[name]): name for name in COLUMNS}
        for name in COLUMNS:
            owner_of.update((id(array), name) for array in self.column_arrays(name))
        return owner_of


def _who(process: Process | None) -> str:
    return process.value if process else "code outside any process of the week"


def _owned_by(name: str) -> str:
    owners = COLUMNS[name].owners
    return f"which only {', '.join(o.value for o in owners)} may write" if owners else "which is fixed after set-up"


@functools.cache
def _statements(filename: str) -> list[ast.stmt]:
    """Every simple statement of a source file (not compound ones: their bodies hold the writes)."""
    try:
        tree = ast.parse("".join(linecache.getlines(filename)))
    except SyntaxError:
        return []
    compound = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.If, ast.For, ast.While, ast.With,
                ast.Try, ast.Match, ast.AsyncFor, ast.AsyncWith)
    return [node for node in ast.walk(tree) if isinstance(node, ast.stmt) and not isinstance(node, compound)]


def _write_targets(filename: str, line: int) -> list[ast.expr]:
    """The expressions a statement may write into: assignment targets, ``out=``, receivers of method calls.

    Each is reduced to its chain of names and attributes (``table.hours_left[att]`` to
    ``table.hours_left``), which can be evaluated without side effects.
    """
    found: list[ast.expr] = []
    for statement in _statements(filename):
        if not statement.lineno <= line <= (statement.end_lineno or statement.lineno):
            continue
        for node in ast.walk(statement):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            elif isinstance(node, ast.Call):
                targets = [keyword.value for keyword in node.keywords if keyword.arg == "out"]
                if isinstance(node.func, ast.Attribute):
                    targets.append(node.func.value)
                targets.extend(node.args[:1])  # np.clip(x, ..., out=x), np.fill_diagonal(x, ...)
            for target in targets:
                found.extend(_chains(target))
    return found


def _chains(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [chain for element in target.elts for chain in _chains(element)]
    while isinstance(target, ast.Subscript | ast.Starred):
        target = target.value
    node = target
    while isinstance(node, ast.Attribute):
        node = node.value
    return [target] if isinstance(node, ast.Name) else []


def _evaluate(chain: ast.expr, local: dict[str, Any], global_: dict[str, Any]) -> Any:
    """The object a chain of a name and attributes names in a frame, or None."""
    if isinstance(chain, ast.Name):
        return local.get(chain.id, global_.get(chain.id))
    if isinstance(chain, ast.Attribute):
        base = _evaluate(chain.value, local, global_)
        # Only what the object itself holds: no property or other code runs while naming a column.
        return vars(base).get(chain.attr) if hasattr(base, "__dict__") else None
    return None


def _resolve(process: Process) -> tuple[Any, str]:
    """The module or class holding a process's function, and the function's name."""
    module_name, *owner_path, attribute = process.value.split(".")
    owner: Any = importlib.import_module(f"qicsim.model.{module_name}")
    for name in owner_path:
        owner = getattr(owner, name)
    return owner, attribute


def _wrapped(guard: StateGuard, process: Process, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        with guard.process(process):
            return function(*args, **kwargs)

    return run


@contextmanager
def guarded(model: QICModel) -> Iterator[StateGuard]:
    """Run the body with the model's staff columns locked and each process confined to its own.

    Raises:
        OwnershipError: When a process (or code outside every process) writes a column it does
            not own.
    """
    guard = StateGuard(model)
    with ExitStack() as patches:
        for process in Process:
            owner, attribute = _resolve(process)
            function = vars(owner)[attribute]
            patches.enter_context(mock.patch.object(owner, attribute, _wrapped(guard, process, function)))
        guard.lock()
        try:
            yield guard
        except ValueError as error:
            if "read-only" not in str(error):
                raise
            raise OwnershipError(guard.describe(None, error)) from error
        finally:
            guard.unlock()
