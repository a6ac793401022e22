"""The contexts C1-C10 of the programme theory, as switches with an intensity in [0, 1].

A context's setting is an intensity for all sites, optional per-site intensities, and an
optional schedule of steps ("from week W, intensity X", for one site or all). The model
resolves the settings once into an array ``intensity[context, site, week]``; every mechanism
reads its context through one accessor, ``QICModel.context()``, and only its own context
(docs/evidence.md, section 2; the readers are listed in docs/ODD.md, section 7.11).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from qicsim.errors import ConfigError


@dataclass(frozen=True)
class ContextInfo:
    """A context of the programme theory.

    Attributes:
        code: C1 ... C10 as in docs/evidence.md, section 2.
        name: Config key.
        label: Short description.
        acts_on: The mechanism it drives in the model.
        indicator: Name of the mechanism count that traces it.
        outcome: Name of the run outcome the programme theory says it moves.
        mediators: Names of the states it acts through (``qicsim.model.mediators.MEDIATORS``).
    """

    code: str
    name: str
    label: str
    acts_on: str
    indicator: str
    outcome: str
    mediators: tuple[str, ...]


CONTEXTS: tuple[ContextInfo, ...] = (
    ContextInfo("C1", "remit_clarity", "a broad, easily understood remit",
                "members' understanding of how the remit fits their work, hence ideas within scope",
                "ideas_in_scope", "implemented", ("understanding",)),
    ContextInfo("C2", "prior_partnership", "members with established NHS-care home partnerships",
                "initial NHS-care home ties, hence trust: set-up time, effective joint effort",
                "partnership_trust", "mean_weeks_to_first_implementation", ("ties",)),
    ContextInfo("C3", "hierarchy_reduction", "strategies that build relationships, reduce hierarchy",
                "psychological safety and voice of lower-status members; tie growth",
                "ideas_voiced_care_home", "projects_led_care_home", ("safety", "ties")),
    ContextInfo("C4", "protected_time", "staff time protected and paid",
                "backfilled hours in members' weekly time budget, honoured less under pressure",
                "qic_hours_members", "attendances", ("qic_hours", "available")),
    ContextInfo("C5", "alignment", "improvements aligned with existing work and priorities",
                "homes' practice of fitting work to priorities: ideas taken up, effort absorbed by "
                "routine work, sustainment", "day_job_hours", "sustained_share", ("alignment_practice",)),
    ContextInfo("C6", "qi_coaching", "QI coaching that plans in manageable chunks",
                "QI skill, hence chunk size and success; facilitator hours in homes",
                "chunks_completed", "implemented", ("skill",)),
    ContextInfo("C7", "network_recruitment", "recruiting multidisciplinary help through networks",
                "readiness to ask one's contacts, hence missing disciplines recruited through ties",
                "disciplines_recruited_via_ties", "multidisciplinary_implemented", ("network_use",)),
    ContextInfo("C8", "meetings_in_care_homes", "meetings held in care homes",
                "time off the floor a meeting takes care home staff, hence their attendance",
                "care_home_meetings_within_time", "care_home_attendance_share", ("meeting_cost",)),
    ContextInfo("C9", "learning_events", "shared learning events",
                "events held: recognition, skill, cross-site ties along which improvements spread",
                "ideas_spread", "spread", ("ties", "engagement", "skill")),
    ContextInfo("C10", "data_support", "funded help with collecting and reading data",
                "homes' data capability: cost and value of measuring, hence the champion's choice",
                "decisions_on_data", "teams_used_measurement", ("data_capability",)),
)
CONTEXT_NAMES: tuple[str, ...] = tuple(c.name for c in CONTEXTS)
INITIAL_ONLY = frozenset({"prior_partnership"})  # acts when the network is built (C2), not later
CONTEXT_INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CONTEXTS)}
BY_CODE: dict[str, ContextInfo] = {c.code: c for c in CONTEXTS}


def site_names(n_sites: int) -> list[str]:
    """Names of the sites, ``site_1`` ... ``site_n``."""
    return [f"site_{i + 1}" for i in range(n_sites)]


def _intensity(key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):  # numpy scalars count
        raise ConfigError(key, f"{value!r} is not a number", "a number in [0, 1]")
    if not 0 <= value <= 1:
        raise ConfigError(key, f"{value!r} is out of range", "a number in [0, 1]")
    return float(value)


STEP_KEYS = ("week", "intensity", "site")


def checked_steps(key: str, steps: Any) -> list[dict[str, Any]]:
    """Check that a schedule is a list of ``{week, intensity[, site]}`` mappings.

    Args:
        key: Dotted key of the schedule, for messages.
        steps: The schedule as given.

    Returns:
        The steps, unchanged.

    Raises:
        ConfigError: For a step that is not a mapping, lacks week or intensity, has another
            key, or whose week is not a whole number or intensity not a number (ranges are
            checked by :func:`resolve_intensities`).
    """
    if not isinstance(steps, list):
        raise ConfigError(key, f"{steps!r} is not a list", "a list of {week, intensity, site} steps")
    for i, step in enumerate(steps):
        if not isinstance(step, dict):
            raise ConfigError(f"{key}[{i}]", f"{step!r} is not a step", "a mapping {week, intensity, site}")
        for needed in ("week", "intensity"):
            if needed not in step:
                raise ConfigError(f"{key}[{i}].{needed}", "missing", "every step needs week and intensity")
        for extra in step:
            if extra not in STEP_KEYS:
                raise ConfigError(f"{key}[{i}].{extra}", "unknown setting", f"one of {', '.join(STEP_KEYS)}")
        week, intensity = step["week"], step["intensity"]
        if isinstance(week, bool) or not isinstance(week, numbers.Integral):
            raise ConfigError(f"{key}[{i}].week", f"{week!r} is not a whole number", "a whole number (a week)")
        if isinstance(intensity, bool) or not isinstance(intensity, numbers.Real):
            raise ConfigError(f"{key}[{i}].intensity", f"{intensity!r} is not a number", "a number in [0, 1]")
    return steps


def resolve_intensities(
    contexts: dict[str, Any] | None, n_sites: int, total_weeks: int
) -> np.ndarray:
    """Resolve context settings into an intensity array.

    Args:
        contexts: Plain values, context name to either a number (all sites, whole run) or a
            dict with ``intensity``, optional ``sites`` (site name to intensity) and optional
            ``schedule`` (list of dicts ``{week, intensity, site}``; ``site`` None or absent
            means all sites). A schedule step holds from its week onward until a later step.
            Contexts not given are 0 (absent).
        n_sites: Number of sites.
        total_weeks: Weeks in the run.

    Returns:
        Array of shape (n_contexts, n_sites, total_weeks) with values in [0, 1].

    Raises:
        ConfigError: For an unknown context, site, or a value out of range.
    """
    names = site_names(n_sites)
    out = np.zeros((len(CONTEXTS), n_sites, total_weeks))
    if contexts is not None and not isinstance(contexts, dict):
        raise ConfigError("contexts", f"{contexts!r} is not a mapping", "a dict of context name to intensity")
    for name, spec in (contexts or {}).items():
        if name not in CONTEXT_INDEX:
            raise ConfigError(f"contexts.{name}", "unknown context", f"one of {', '.join(CONTEXT_NAMES)}")
        row = out[CONTEXT_INDEX[name]]
        if not isinstance(spec, dict):
            row[:] = _intensity(f"contexts.{name}", spec)
            continue
        unknown = set(spec) - {"intensity", "sites", "schedule"}
        if unknown:
            raise ConfigError(f"contexts.{name}.{sorted(unknown)[0]}", "unknown setting",
                              "intensity, sites, schedule")
        row[:] = _intensity(f"contexts.{name}.intensity", spec.get("intensity", 0.0))
        for site, value in (spec.get("sites") or {}).items():
            if site not in names:
                raise ConfigError(f"contexts.{name}.sites.{site}", "no such site",
                                  f"one of {', '.join(names)}")
            row[names.index(site)] = _intensity(f"contexts.{name}.sites.{site}", value)
        steps = checked_steps(f"contexts.{name}.schedule", spec.get("schedule") or [])
        if steps and name in INITIAL_ONLY:
            raise ConfigError(f"contexts.{name}.schedule", f"{name} sets the ties at the start only",
                              "an empty schedule (use intensity or sites)")
        checked = []  # checked in the order given, so an error names the step as written
        for i, step in enumerate(steps):
            key = f"contexts.{name}.schedule[{i}]"
            week = step["week"]
            if not 0 <= week < total_weeks:
                raise ConfigError(f"{key}.week", f"{week!r} is not a week of the run",
                                  f"a whole number in [0, {total_weeks - 1}]")
            value = _intensity(f"{key}.intensity", step["intensity"])
            site = step.get("site")
            if site is not None and site not in names:
                raise ConfigError(f"{key}.site", f"no such site {site!r}", f"one of {', '.join(names)}")
            checked.append((int(week), value, site))
        for week, value, site in sorted(checked, key=lambda c: c[0]):  # stable: a later step wins a tie
            if site is None:
                row[:, week:] = value
            else:
                row[names.index(site), week:] = value
    return out
