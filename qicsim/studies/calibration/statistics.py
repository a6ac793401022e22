"""Summary statistics of the calibration across programmes, computed from a run's tables.

Each statistic reads the tables of a set of replications (:class:`qicsim.run.results.Results`:
``runs``, ``homes``, ``projects``, ``mechanisms_weekly``) and returns one value per replication
(a Series indexed by replication, NaN where the statistic is undefined in that replication).
A time-course statistic takes ``at``: a week of the run, or an event number for statistics by
learning event. The targets that name them are in ``configs/calibration/targets_programmes.yaml``.

Some statistics need an output the model does not write yet (homes leaving a programme, admissions
in the year before a programme): they are registered with the columns they need,
:func:`missing_columns` names what is absent, and computing one without them is refused with
one line rather than approximated.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from qicsim.errors import DataError


class Tables(Protocol):
    """What a statistic reads: the tables of :class:`qicsim.run.results.Results` (or any object holding them)."""

    runs: pd.DataFrame
    homes: pd.DataFrame
    projects: pd.DataFrame
    mechanisms_weekly: pd.DataFrame


@dataclass(frozen=True)
class Statistic:
    """A statistic a target can name.

    Attributes:
        compute: ``(tables, at) -> Series`` indexed by replication (``at`` is None for an end point).
        requires: ``(table, column)`` pairs it reads; a column the model does not write yet marks a
            statistic that needs the model.
        time_course: Whether it takes ``at`` (a week, or an event number).
        doc: One line: what it is.
    """

    compute: Callable[[Any, float | None], pd.Series]
    requires: tuple[tuple[str, str], ...]
    time_course: bool
    doc: str


def _replications(tables: Tables) -> np.ndarray:
    return tables.runs["replication"].to_numpy()


def _per_replication(tables: Tables, values: pd.Series) -> pd.Series:
    """Values indexed by replication; replications without any are NaN (or filled by the caller)."""
    return values.reindex(_replications(tables)).astype(float)


def _homes_per_replication(tables: Tables) -> pd.Series:
    return _per_replication(tables, tables.homes.groupby("replication").size())


def _runs_column(column: str) -> Callable[[Tables, float | None], pd.Series]:
    def compute(tables: Tables, at: float | None = None) -> pd.Series:
        return _per_replication(tables, tables.runs.set_index("replication")[column])
    return compute


def _require(tables: Tables, table: str, column: str) -> pd.DataFrame:
    frame = getattr(tables, table)
    if column not in frame.columns:
        raise DataError(f"{table}.{column}", "not in the run's tables (the model does not write it yet)",
                        "a statistic the tables give (qicsim.studies.calibration.statistics.available)")
    return frame


def homes_with_implementation_by_week(tables: Tables, at: float | None) -> pd.Series:
    """Share of homes whose first implemented improvement came before week ``at``."""
    homes = tables.homes
    done = homes["first_implementation_week"].astype(float) < float(at)  # NaN (never) compares False
    return _per_replication(tables, done.groupby(homes["replication"]).mean())


def homes_starting_by_week(tables: Tables, at: float | None) -> pd.Series:
    """Share of homes with a project created before week ``at`` (any origin: its own, spread or iterated)."""
    projects = tables.projects
    started = projects[projects["week_created"].astype(float) < float(at)]
    counts = started.groupby("replication")["home"].nunique()
    return _per_replication(tables, counts).fillna(0.0) / _homes_per_replication(tables)


def homes_measuring_share(tables: Tables, at: float | None = None) -> pd.Series:
    """Share of homes in which at least one PDSA cycle used measurement, over the run."""
    homes = tables.homes
    return _per_replication(tables, (homes["measured_cycles"] >= 1).groupby(homes["replication"]).mean())


def homes_measuring_by_week(tables: Tables, at: float | None) -> pd.Series:
    """Share of homes whose first measured PDSA cycle came before week ``at`` (``homes.first_measured_week``)."""
    homes = _require(tables, "homes", "first_measured_week")
    done = homes["first_measured_week"].astype(float) < float(at)
    return _per_replication(tables, done.groupby(homes["replication"]).mean())


def event_attendance_by_event(tables: Tables, at: float | None) -> pd.Series:
    """Attendances at the ``at``-th learning event (1 = the first) per site team taking part in it.

    Events are the weeks in which a site took part in a learning event (``events_held`` in the
    weekly mechanism counts), in order; NaN in a replication with fewer events.
    """
    weekly = tables.mechanisms_weekly
    number = int(at)  # type: ignore[arg-type]
    out = {}
    for replication, rows in weekly.groupby("replication", sort=False):
        held = rows[rows["mechanism"] == "events_held"]
        weeks = np.sort(held["week"].unique())
        if number < 1 or number > len(weeks):
            continue
        week = weeks[number - 1]
        teams = held.loc[held["week"] == week, "value"].sum()
        attended = rows.loc[(rows["mechanism"] == "event_attendances") & (rows["week"] == week), "value"].sum()
        out[replication] = attended / teams
    return _per_replication(tables, pd.Series(out, dtype=float))


def homes_taking_part_by_week(tables: Tables, at: float | None) -> pd.Series:
    """Share of a programme's homes still taking part at week ``at``: needs ``homes.week_left`` (not written yet)."""
    homes = _require(tables, "homes", "week_left")
    staying = ~(homes["week_left"].astype(float) <= float(at))  # NaN: never left
    return _per_replication(tables, staying.groupby(homes["replication"]).mean())


def avoidable_admissions_change(tables: Tables, at: float | None = None) -> pd.Series:
    """Relative change in avoidable admissions, the first programme year against the year before it.

    Needs ``runs.admissions_year_before`` and ``runs.admissions_first_year``, which the model does
    not write (it has no period before a programme).
    """
    runs = _require(tables, "runs", "admissions_year_before")
    runs = _require(tables, "runs", "admissions_first_year").set_index("replication")
    before = runs["admissions_year_before"].astype(float)
    change = (runs["admissions_first_year"].astype(float) - before) / before.where(before > 0)
    return _per_replication(tables, change)


STATISTICS: dict[str, Statistic] = {
    "measured_share": Statistic(_runs_column("measured_share"), (("runs", "measured_share"),), False,
                                "PDSA cycles that used measurement / all cycles"),
    "homes_with_implementation_share": Statistic(
        _runs_column("homes_with_implementation_share"), (("runs", "homes_with_implementation_share"),), False,
        "homes with at least one implemented improvement / homes"),
    "spread": Statistic(_runs_column("spread"), (("runs", "spread"),), False,
                        "implemented improvements spread from another home"),
    "share_led_gp": Statistic(_runs_column("share_led_gp"), (("runs", "share_led_gp"),), False,
                              "projects led by a GP / projects started"),
    "share_led_care_home": Statistic(_runs_column("share_led_care_home"), (("runs", "share_led_care_home"),),
                                     False, "projects led by care home staff / projects started"),
    "sustained_share": Statistic(_runs_column("sustained_share"), (("runs", "sustained_share"),), False,
                                 "improvements in place at the end of follow-up / implemented"),
    "homes_measuring_share": Statistic(homes_measuring_share, (("homes", "measured_cycles"),), False,
                                       "homes with a measured PDSA cycle / homes"),
    "homes_with_implementation_by_week": Statistic(
        homes_with_implementation_by_week, (("homes", "first_implementation_week"),), True,
        "homes with a first implementation before week `at` / homes"),
    "homes_starting_by_week": Statistic(homes_starting_by_week, (("projects", "week_created"), ("projects", "home")),
                                        True, "homes with a project created before week `at` / homes"),
    "event_attendance_by_event": Statistic(
        event_attendance_by_event, (("mechanisms_weekly", "mechanism"), ("mechanisms_weekly", "week")), True,
        "attendances at the `at`-th learning event / site teams taking part"),
    "homes_measuring_by_week": Statistic(homes_measuring_by_week, (("homes", "first_measured_week"),), True,
                                         "homes with a first measured cycle before week `at` / homes"),
    "homes_taking_part_by_week": Statistic(homes_taking_part_by_week, (("homes", "week_left"),), True,
                                           "homes still in the programme at week `at` / homes at the start"),
    "avoidable_admissions_change": Statistic(avoidable_admissions_change, (("runs", "admissions_year_before"),
                                                                     ("runs", "admissions_first_year")),
                                             False, "relative change in avoidable admissions, against the year before"),
}
"""Every statistic a programme target can name, by name."""

NO_STATISTIC = "none"
"""The statistic of an observation with no counterpart in the model (a target that is never used)."""

MODEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "runs": ("measured_share", "homes_with_implementation_share", "spread", "share_led_gp", "share_led_care_home",
             "sustained_share"),
    "homes": ("replication", "first_implementation_week", "first_measured_week", "measured_cycles"),
    "projects": ("replication", "home", "week_created"),
    "mechanisms_weekly": ("replication", "week", "mechanism", "value"),
}
"""The columns of the run's tables the statistics read that the model writes today (a test checks them
against a real run): a statistic requiring any other column needs the model."""


def needs_model(name: str) -> tuple[str, ...]:
    """The ``table.column`` outputs statistic ``name`` needs that the model does not write today (empty if none)."""
    return tuple(f"{table}.{column}" for table, column in STATISTICS[name].requires
                 if column not in MODEL_COLUMNS.get(table, ()))


def available() -> tuple[str, ...]:
    """The statistics the model's tables give today."""
    return tuple(name for name in STATISTICS if not needs_model(name))


def missing_columns(name: str, tables: Tables) -> tuple[str, ...]:
    """The ``table.column`` pairs statistic ``name`` needs that ``tables`` lack."""
    return tuple(f"{table}.{column}" for table, column in STATISTICS[name].requires
                 if column not in getattr(tables, table).columns)


def compute(name: str, tables: Tables, at: float | None = None) -> pd.Series:
    """Statistic ``name`` per replication (at ``at`` for a time course).

    Raises:
        DataError: If the tables lack a column it needs (one line naming it).
    """
    statistic = STATISTICS[name]
    if statistic.time_course and at is None:
        raise ValueError(f"{name} is a time course: give `at`")
    missing = missing_columns(name, tables)
    if missing:
        raise DataError(missing[0], "not in the run's tables (the model does not write it yet)",
                        f"one of the statistics the tables give: {', '.join(available())}")
    return statistic.compute(tables, at)
