"""Outcomes of a finished run, per unit (home or site NHS side), per site and per run.

Counts are computed per unit so that they add up exactly: a site's count is the sum of
its homes and its NHS side; the run's is the sum over sites. Shares and means are
derived from the summed counts at each level (docs/ODD.md, "Observation").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from qicsim.model.counters import COUNT_INDEX
from qicsim.model.project import OWN_ORIGINS, SPREAD_ORIGINS, Origin, Stage
from qicsim.model.roles import HOURLY_COST_GBP, ROLE_NAMES, Organisation, Role
from qicsim.model.topics import TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

COUNT_OUTCOMES: dict[str, str] = {
    "implemented": "improvements implemented (all origins)",
    "iterated": "implemented iterations of an earlier improvement",
    "spread": "implemented improvements spread from another home",
    "sustained": "improvements in place at the end after sustain_weeks without support",
    "in_place_end_of_support": "improvements in place when support ends",
    "in_place_end": "improvements in place at the end of the run",
    "projects_started": "projects planned",
    "projects_led_care_home": "projects first led by care home staff",
    "projects_led_gp": "projects first led by a GP",
    "pdsa_cycles": "PDSA cycles run",
    "measured_cycles": "PDSA cycles that used measurement",
    "decisions_on_data": "measured cycles whose data informed the next step",
    "multidisciplinary_implemented": "implemented improvements to which multidisciplinary_disciplines (3) or "
                                     "more disciplines gave at least discipline_min_share of the hours",
    "disciplines_implemented": "disciplines that gave at least discipline_min_share of the hours, "
                               "summed over implemented improvements",
    "attendances": "local meeting attendances by all staff",
    "attendances_care_home": "meeting attendances by care home staff",
    "attendances_nhs": "meeting attendances by NHS staff",
    "event_attendances": "learning event attendances",
    "hours_care_home": "QIC hours of care home staff (meetings, travel, events, projects, measuring)",
    "hours_nhs": "QIC hours of NHS staff",
    "cost_gbp": "cost of all QIC hours at each role's hourly cost",
    "protected_hours_paid": "protected hours paid for, used or not (C4)",
    "protected_hours_used": "protected hours honoured and used (C4)",
    "cost_protected_time_gbp": "cost of protected hours paid, used or not (what a funder pays for C4)",
    "facilitator_hours": "hours QI facilitators worked in homes (C6)",
    "problems_arising": "avoidable problems (falls, infections, admissions) that arose (process 10)",
    **{f"hours_{name}": f"QIC hours of {name.replace('_', ' ')}s" for name in ROLE_NAMES},
}
COUNT_OUTCOME_NAMES: tuple[str, ...] = tuple(COUNT_OUTCOMES)


def unit_counts(model: QICModel) -> np.ndarray:
    """Count outcomes per unit.

    Args:
        model: A finished model.

    Returns:
        Array of shape (n_units, n_count_outcomes); units are homes, then site NHS sides.
    """
    n_units = len(model.homes) + model.n_sites
    idx = {name: i for i, name in enumerate(COUNT_OUTCOME_NAMES)}
    out = np.zeros((n_units, len(COUNT_OUTCOME_NAMES)))
    for pr in model.projects:
        row = out[pr.home]
        row[idx["projects_started"]] += 1
        row[idx["projects_led_care_home"]] += pr.led_by_role >= Role.CARE_HOME_MANAGER
        row[idx["projects_led_gp"]] += pr.led_by_role == Role.GP
        row[idx["pdsa_cycles"]] += pr.cycles
        row[idx["measured_cycles"]] += pr.measured_cycles
        row[idx["decisions_on_data"]] += pr.decisions_on_data
        row[idx["in_place_end"]] += pr.in_place
        row[idx["sustained"]] += pr.stage == Stage.SUSTAINED
        if pr.week_implemented >= 0:
            row[idx["implemented"]] += 1
            row[idx["iterated"]] += pr.origin == Origin.ITERATION
            row[idx["spread"]] += pr.origin in SPREAD_ORIGINS
            disciplines = pr.contributing_disciplines(model.params.discipline_min_share)
            row[idx["multidisciplinary_implemented"]] += disciplines >= model.params.multidisciplinary_disciplines
            row[idx["disciplines_implemented"]] += disciplines
    out[: len(model.homes), idx["in_place_end_of_support"]] = model.in_place_at_support_end
    table = model.staff
    unit = table.unit
    hours = (table.hours_meetings + table.hours_events + table.hours_projects
             + table.hours_measurement + table.hours_sessions)
    care = table.organisation == Organisation.CARE_HOME
    wage = np.array([HOURLY_COST_GBP[Role(r)] for r in table.role])

    def per_unit(values: np.ndarray) -> np.ndarray:
        return np.bincount(unit, weights=values, minlength=n_units)

    out[:, idx["attendances"]] = per_unit(table.attendances)
    out[:, idx["attendances_care_home"]] = per_unit(np.where(care, table.attendances, 0.0))
    out[:, idx["attendances_nhs"]] = per_unit(np.where(care, 0.0, table.attendances))
    out[:, idx["event_attendances"]] = per_unit(table.event_attendances)
    out[:, idx["hours_care_home"]] = per_unit(np.where(care, hours, 0.0))
    out[:, idx["hours_nhs"]] = per_unit(np.where(care, 0.0, hours))
    out[:, idx["cost_gbp"]] = per_unit(hours * wage)
    out[:, idx["protected_hours_paid"]] = per_unit(table.hours_protected_paid)
    out[:, idx["protected_hours_used"]] = per_unit(table.hours_protected_used)
    out[:, idx["cost_protected_time_gbp"]] = per_unit(table.hours_protected_paid * wage)
    counts = model.counts
    out[:, idx["facilitator_hours"]] = counts.values[COUNT_INDEX["facilitator_hours"]]
    out[:, idx["problems_arising"]] = counts.values[COUNT_INDEX["problems_arising"]]
    for role, name in zip(Role, ROLE_NAMES, strict=True):
        out[:, idx[f"hours_{name}"]] = per_unit(np.where(table.role == role, hours, 0.0))
    return out


def derived(counts: dict[str, float]) -> dict[str, float]:
    """Shares computed from summed counts (NaN where the denominator is 0)."""

    def ratio(a: float, b: float) -> float:
        return a / b if b else float("nan")

    return {
        "measured_share": ratio(counts["measured_cycles"], counts["pdsa_cycles"]),
        "share_led_care_home": ratio(counts["projects_led_care_home"], counts["projects_started"]),
        "share_led_gp": ratio(counts["projects_led_gp"], counts["projects_started"]),
        "care_home_attendance_share": ratio(
            counts["attendances_care_home"], counts["attendances_care_home"] + counts["attendances_nhs"]),
        "disciplines_per_implemented": ratio(counts["disciplines_implemented"], counts["implemented"]),
        "sustained_share": ratio(counts["sustained"], counts["implemented"]),
    }


def first_implementation_weeks(model: QICModel) -> np.ndarray:
    """Week of each home's first implementation, NaN where there was none."""
    return first_weeks(model, "week_implemented")


def first_measured_weeks(model: QICModel) -> np.ndarray:
    """Week of each home's first PDSA cycle that used measurement, NaN where there was none."""
    return first_weeks(model, "week_first_measured")


def first_weeks(model: QICModel, attribute: str) -> np.ndarray:
    """Each home's earliest week of a project event (a project's ``attribute``, -1 if none), NaN where none."""
    first = np.full(len(model.homes), np.nan)
    for pr in model.projects:
        week = getattr(pr, attribute)
        if week >= 0 and not week >= first[pr.home]:
            first[pr.home] = week
    return first


START_WINDOW_WEEKS = 26
"""The first weeks of support over which ``homes_starting_by_week_26`` looks for a home's own first project."""


def homes_starting_share(model: QICModel, weeks: int = START_WINDOW_WEEKS) -> float:
    """Share of homes that started at least one project of their own in the first ``weeks`` weeks.

    A project of its own is one of :data:`qicsim.model.project.OWN_ORIGINS` (any route by which a
    home starts work: neither an iteration nor an improvement spread from another home).
    """
    started = {pr.home for pr in model.projects if pr.week_created < weeks and pr.origin in OWN_ORIGINS}
    return len(started) / len(model.homes)


def outcome_rows(model: QICModel) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The run's row, the home rows and the site rows, from one count of the finished model.

    Returns:
        ``(run_row, home_rows, site_rows)``.
    """
    counts = unit_counts(model)
    first = first_implementation_weeks(model)
    return run_row(model, counts, first), home_rows(model, counts, first), site_rows(model, counts, first)


def home_rows(model: QICModel, counts: np.ndarray, first: np.ndarray) -> list[dict[str, Any]]:
    """One row per home: its description, count outcomes, shares, first implementation and first measured cycle."""
    measured = first_measured_weeks(model)
    rows = []
    for home in model.homes:
        values = dict(zip(COUNT_OUTCOME_NAMES, counts[home.index].tolist(), strict=True))
        rows.append({"site": model.sites[home.site].name, "home": home.index, "beds": home.beds,
                     "nursing": home.nursing, **values, **derived(values),
                     "first_implementation_week": first[home.index],
                     "first_measured_week": measured[home.index]})
    return rows


PROTECTED_PAID_BY_ROLE: tuple[str, ...] = tuple(f"protected_hours_paid_{name}" for name in ROLE_NAMES)
"""Site-table columns: protected hours paid per role, so that a funder's backfill can be priced by role
(qicsim.studies.policy.costs). Only in the site table: the run table's columns are fixed by tests/golden."""


def protected_paid_by_role(model: QICModel) -> np.ndarray:
    """Protected hours paid, used or not, per unit and role: shape (n_units, n_roles)."""
    n_units = len(model.homes) + model.n_sites
    table = model.staff
    return np.stack([np.bincount(table.unit, weights=np.where(table.role == role, table.hours_protected_paid, 0.0),
                                 minlength=n_units) for role in Role], axis=1)


def site_rows(model: QICModel, counts: np.ndarray, first: np.ndarray) -> list[dict[str, Any]]:
    """One row per site: its homes plus its NHS side."""
    rows = []
    by_role = protected_paid_by_role(model)
    for site in model.sites:
        units = [*site.homes, len(model.homes) + site.index]
        values = dict(zip(COUNT_OUTCOME_NAMES, counts[units].sum(axis=0).tolist(), strict=True))
        paid = dict(zip(PROTECTED_PAID_BY_ROLE, by_role[units].sum(axis=0).tolist(), strict=True))
        site_first = first[site.homes]
        rows.append({"site": site.name, "homes": len(site.homes), **values, **derived(values),
                     "homes_with_implementation": int(np.sum(~np.isnan(site_first))),
                     "teams_used_measurement": int(used_measurement(model, values)), **paid})
    return rows


def run_row(model: QICModel, counts: np.ndarray, first: np.ndarray) -> dict[str, Any]:
    """The run's outcomes: summed counts, shares and run-level measures."""
    values = dict(zip(COUNT_OUTCOME_NAMES, counts.sum(axis=0).tolist(), strict=True))
    implemented_homes = int(np.sum(~np.isnan(first)))
    return {
        **values,
        **derived(values),
        "homes_with_implementation": implemented_homes,
        "homes_with_implementation_share": implemented_homes / len(model.homes),
        "weeks_to_first_implementation": float(np.nanmin(first)) if implemented_homes else float("nan"),
        "mean_weeks_to_first_implementation": float(np.nanmean(first)) if implemented_homes else float("nan"),
        "mean_engagement_end_of_support": model.engagement_at_support_end,
        "members_end_of_support": model.members_at_support_end,
        "teams_used_measurement": teams_used_measurement(model, counts),
        "homes_starting_by_week_26": homes_starting_share(model),
    }


def used_measurement(model: QICModel, site_values: dict[str, float]) -> bool:
    """Whether a site team used measurement for change (docs/evidence.md, section 1, Measurement)."""
    return site_values["decisions_on_data"] >= model.params.measurement_for_change_cycles


def teams_used_measurement(model: QICModel, counts: np.ndarray) -> int:
    """Site teams that used measurement for change."""
    column = COUNT_OUTCOME_NAMES.index("decisions_on_data")
    return sum(used_measurement(model, {"decisions_on_data": float(counts[[*s.homes, len(model.homes) + s.index],
                                                                          column].sum())})
               for s in model.sites)


PROJECT_COLUMNS = ("project", "site", "home", "topic", "kind", "origin", "led_by", "alignment", "chunks", "chunk_hours",
                   "chunks_done", "cycles", "measured_cycles", "decisions_on_data", "data_confirmed",
                   "disciplines_present", "disciplines", "stage", "week_created", "week_implemented", "week_ended",
                   "champion_lost_after_implementation", "stages")
"""The columns of :func:`project_rows`, so that a run without projects still has them."""


def project_rows(model: QICModel) -> list[dict[str, Any]]:
    """One row per project: what it was, who led it, how far it got."""
    return [{
        "project": pr.pid, "site": model.sites[pr.site].name, "home": pr.home,
        "topic": TOPICS[pr.topic].name, "kind": pr.kind.name.lower(), "origin": pr.origin.name.lower(),
        "led_by": ROLE_NAMES[pr.led_by_role], "alignment": pr.alignment,
        "chunks": pr.n_chunks, "chunk_hours": pr.chunk_hours, "chunks_done": pr.chunks_done, "cycles": pr.cycles,
        "measured_cycles": pr.measured_cycles, "decisions_on_data": pr.decisions_on_data,
        "data_confirmed": pr.data_confirmed, "disciplines_present": len(pr.disciplines),
        "disciplines": pr.contributing_disciplines(model.params.discipline_min_share),
        "stage": pr.stage.name.lower(), "week_created": pr.week_created,
        "week_implemented": pr.week_implemented, "week_ended": pr.week_ended,
        "champion_lost_after_implementation": pr.champion_lost,
        "stages": ">".join(s.name.lower() for s in pr.history),
    } for pr in model.projects]
