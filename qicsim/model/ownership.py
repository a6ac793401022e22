"""Who writes which state: the week's processes, and a column's declaration naming its owners.

A state table (:class:`qicsim.model.staff.StaffTable`) declares each column as a class-level
annotation, ``name: Annotated[type, Column(...)]``: a type checker sees the type, and
:func:`declared_columns` reads the :class:`Column` (meaning, size, the processes that may
write it during the run). The declaration is what :mod:`qicsim.model.state_guard` enforces
in tests and what the state table of docs/ODD.md is generated from (:func:`markdown_table`).
The world's set-up (``setup.build_world``) writes every column once, before the first week;
a column with no owners is fixed from then on.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Per = Literal["post", "home", "site", "care home post", "role", "model"]
"""What one element of a column stands for; ``"model"`` for state that is not one array."""


class Process(enum.StrEnum):
    """The week's processes, in the order ``QICModel.step`` calls them.

    Each is named by the function the step calls, as a path under ``qicsim.model``
    (``module.function`` or ``module.Class.method``): the name says where its writes are.
    """

    TIME = "workload.update_time"  # process 1
    HOLD = "mediators.Mediation.at"  # a mediation run imposes held mediators (several points of the week)
    TURNOVER = "turnover.apply_turnover"  # process 2
    TIES = "relationships.update_ties"
    MEETINGS = "meetings.hold_local_meetings"  # processes 3 and 4
    FACILITATION = "facilitation.hold_sessions"  # facilitator sessions in homes (project_start facilitation)
    EVENTS = "events.hold_learning_event"  # process 8
    STARTS = "starts.start_by_managers"  # managers choose topics (project_start beyond meetings)
    SPREAD = "spread.share_along_ties"  # process 7 (spread)
    PROJECTS = "projects.work_on_projects"  # processes 5, 6 and 7
    CAPABILITY = "measurement.update_data_capability"  # C10
    SUSTAINMENT = "sustainment.update_sustainment"  # process 9
    TRAP = "capability.update_trap"  # process 10's full loop (structure.trap = full_loop)
    PROBLEMS = "problems.update_problems"  # process 10
    FORGET_FINISHED = "open_projects.OpenProjects.forget_finished"
    ALIGNMENT_FADE = "alignment.fade"
    NETWORK_FADE = "recruitment.fade"
    RECORD = "series.WeeklySeries.record"
    CLOSE_WEEK = "counters.Counters.close_week"
    CLOSE_UNFINISHED = "projects.close_unfinished"  # the last week of support
    SUPPORT_END = "model.QICModel.snapshot_support_end"  # the last week of support


@dataclass(frozen=True)
class Column:
    """The declaration of one column of a state table.

    Attributes:
        meaning: What the column holds, for readers and docs/ODD.md.
        per: What one element stands for.
        owners: The processes that may write it during the run; none for a column fixed
            once the world is set up.
        why: Why more than one process writes it (required then).
        name: The attribute's name (filled in by :func:`declared_columns`).
        kind: Its dtype (an array column) or type, for docs (filled in by :func:`declared_columns`).
        dtype: The numpy dtype of an array column, else None (filled in by :func:`declared_columns`).
    """

    meaning: str
    per: Per = "post"
    owners: tuple[Process, ...] = ()
    why: str = ""
    name: str = ""
    kind: str = ""
    dtype: np.dtype | None = None

    def __post_init__(self) -> None:
        if len(self.owners) > 1 and not self.why:
            raise ValueError(f"column {self.meaning!r}: {len(self.owners)} owners and no reason why")
        if len(set(self.owners)) != len(self.owners):
            raise ValueError(f"column {self.meaning!r}: an owner named twice")


def declared_columns(table: type) -> dict[str, Column]:
    """The columns a table class declares, in declaration order, with name, kind and dtype filled in.

    Raises:
        TypeError: For an annotation without a :class:`Column`.
    """
    columns: dict[str, Column] = {}
    for name, hint in typing.get_type_hints(table, include_extras=True).items():
        declared = [m for m in getattr(hint, "__metadata__", ()) if isinstance(m, Column)]
        if len(declared) != 1:
            raise TypeError(f"{table.__name__}.{name}: declare it as Annotated[type, Column(...)]")
        dtype = _array_dtype(hint.__origin__)
        columns[name] = dataclasses.replace(declared[0], name=name, dtype=dtype, kind=_kind(hint.__origin__))
    return columns


def _array_dtype(annotation: Any) -> np.dtype | None:
    """The dtype of ``np.ndarray[shape, np.dtype[dtype]]`` (alone or ``| None``), else None."""
    optional = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    for candidate in typing.get_args(annotation) if optional else (annotation,):
        if typing.get_origin(candidate) is np.ndarray:
            return np.dtype(typing.get_args(typing.get_args(candidate)[1])[0])
    return None


def _kind(annotation: Any) -> str:
    dtype = _array_dtype(annotation)
    if dtype is not None:
        return dtype.name if typing.get_origin(annotation) is np.ndarray else f"{dtype.name} or None"
    origin = typing.get_origin(annotation) or annotation
    return origin.__name__


def markdown_table(columns: dict[str, Column]) -> str:
    """The columns as a Markdown table: name, type, per, owners (``-``: fixed after set-up), meaning."""
    lines = ["| Column | Type | Per | Written during the run by | Meaning |", "|---|---|---|---|---|"]
    for column in columns.values():
        owners = ", ".join(f"`{owner.value}`" for owner in column.owners) or "- (fixed after set-up)"
        meaning = f"{column.meaning}. Why several writers: {column.why}" if column.why else column.meaning
        lines.append(f"| `{column.name}` | {column.kind} | {column.per} | {owners} | {meaning} |")
    return "\n".join(lines) + "\n"
