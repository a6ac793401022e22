"""Simulated quantities of the validation targets, one value per replication.

Each function reads the tables a run produces (:class:`qicsim.run.runner.Results`: runs, homes,
projects, mechanisms) and returns a Series indexed by replication, NaN where the quantity is
undefined in that replication (e.g. a share of improvements in a run that implemented none).
The one quantity the tables cannot give, which people held their posts throughout, is read off
the model itself by :mod:`qicsim.studies.validation.retention`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from qicsim.config.schema import Config
from qicsim.run.runner import Results
from qicsim.studies.validation.retention import original_members_in_post

WEEKS_PER_MONTH = 52.0 / 12.0


def _per_replication(results: Results, values: pd.Series) -> pd.Series:
    """Values indexed by replication, NaN for replications that have none (no projects, say)."""
    return values.reindex(results.runs["replication"].to_numpy()).astype(float)


def _runs_column(column: str) -> Callable[[Results, Config], pd.Series]:
    def read(results: Results, config: Config) -> pd.Series:
        return _per_replication(results, results.runs.set_index("replication")[column])
    read.__doc__ = f"The runs table's ``{column}``."
    return read


def implemented_projects(results: Results, before_week: int | None = None) -> pd.DataFrame:
    """Projects that were implemented (within support if ``before_week`` is given)."""
    projects = results.projects
    implemented = projects[projects["week_implemented"].notna()]
    if before_week is not None:
        implemented = implemented[implemented["week_implemented"] < before_week]
    return implemented


def interventions(results: Results, config: Config) -> pd.DataFrame:
    """One row per intervention: a topic implemented in at least one home of a site within support.

    The follow-up study (BMJ Qual Saf 2023) counts interventions, each run by a programme in one
    or more homes (nutrition support: 4 homes). The model's nearest unit is a topic at a site:
    its projects in different homes (an original and its spread copies, or the same idea taken
    up in several homes) are one intervention.

    Returns:
        Columns ``replication``, ``site``, ``topic``, ``homes`` (homes it reached within
        support) and ``sustained`` (still in place in at least one home at the end of follow-up).
    """
    implemented = implemented_projects(results, config.structure.collaborative_weeks)
    grouped = implemented.groupby(["replication", "site", "topic"])
    table = grouped.agg(homes=("home", "nunique"),
                        sustained=("stage", lambda stage: bool((stage == "sustained").any())))
    return table.reset_index()


def intervention_sustained_share(results: Results, config: Config) -> pd.Series:
    """Share of interventions (topic x site) still in place in at least one home a year after support."""
    table = interventions(results, config)
    return _per_replication(results, table.groupby("replication")["sustained"].mean())


def widest_intervention_reach(results: Results, config: Config) -> pd.Series:
    """Homes reached within support by the run's most widespread intervention (0 if none)."""
    table = interventions(results, config)
    return _per_replication(results, table.groupby("replication")["homes"].max()).fillna(0.0)


def event_attendance_per_team(results: Results, config: Config) -> pd.Series:
    """Learning-event attendances per site team per event it took part in.

    ``event_attendances / events_held`` from the mechanism counts (``events_held`` counts each
    site's part in an event); NaN if no site took part in any event.
    """
    totals = results.mechanism_totals().set_index("replication")
    held = totals["events_held"].where(totals["events_held"] > 0)
    return _per_replication(results, totals["event_attendances"] / held)


def _projects_running_pdsa(results: Results) -> pd.DataFrame:
    """Projects that ran at least one PDSA cycle (the reviews' denominator: projects that used PDSA)."""
    return results.projects[results.projects["cycles"] >= 1]


def iterative_pdsa_share(results: Results, config: Config) -> pd.Series:
    """Share of projects running PDSA whose cycles were iterative.

    Iterative: two or more cycles, at least one of them measured with its data informing the
    next step (``decisions_on_data >= 1``).

    Taylor et al. (BMJ Qual Saf 2014) counted a sequence of cycles as iterative when lessons
    from one cycle informed the next; in the model only a measured cycle carries such a lesson
    (a cycle without data moves on to the next chunk of the plan regardless).
    """
    projects = _projects_running_pdsa(results)
    iterative = (projects["cycles"] >= 2) & (projects["decisions_on_data"] >= 1)
    return _per_replication(results, iterative.groupby(projects["replication"]).mean())


def monthly_data_share(results: Results, config: Config) -> pd.Series:
    """Share of projects running PDSA whose data informed a step at least once a month of their life.

    A project's life runs from ``week_created`` to its implementation, its end, or the end of the
    run, whichever comes first; it qualifies when ``decisions_on_data >= max(1, months alive)``.
    """
    projects = _projects_running_pdsa(results)
    end = (projects["week_implemented"].fillna(projects["week_ended"])
           .fillna(config.structure.total_weeks).astype(float))
    months = np.maximum(1.0, (end - projects["week_created"].astype(float)) / WEEKS_PER_MONTH)
    monthly = projects["decisions_on_data"] >= months
    return _per_replication(results, monthly.groupby(projects["replication"]).mean())


def homes_measuring_share(results: Results, config: Config) -> pd.Series:
    """Share of homes in which at least one PDSA cycle used measurement."""
    homes = results.homes
    return _per_replication(results, (homes["measured_cycles"] >= 1).groupby(homes["replication"]).mean())


def care_members_in_post(results: Results, config: Config) -> pd.Series:
    """Share of the care home staff in the team at week 0 who still hold their post when support ends."""
    seeds = results.runs.set_index("replication")["seed"]
    values = pd.Series({rep: original_members_in_post(config, int(seed)) for rep, seed in seeds.items()})
    return _per_replication(results, values)


QUANTITIES: dict[str, Callable[[Results, Config], pd.Series]] = {
    "care_members_in_post": care_members_in_post,
    "teams_used_measurement": _runs_column("teams_used_measurement"),
    "sustained_share": _runs_column("sustained_share"),
    "intervention_sustained_share": intervention_sustained_share,
    "widest_intervention_reach": widest_intervention_reach,
    "event_attendance_per_team": event_attendance_per_team,
    "iterative_pdsa_share": iterative_pdsa_share,
    "monthly_data_share": monthly_data_share,
    "homes_with_implementation_share": _runs_column("homes_with_implementation_share"),
    "homes_measuring_share": homes_measuring_share,
}
"""Every simulated quantity a target can name, by name."""
