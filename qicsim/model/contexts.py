"""The contexts C1-C10 of the programme theory: their registry, and their settings as intensities.

Each context is declared once, in :data:`CONTEXTS` (code, key, labels, the theory's texts and
expected directions, how it acts and where it is read, its indicator, outcome, mediators and
dashboard presets); every other part of qicsim reads the declarations.

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
class Expectation:
    """An expected direction of a measure when a context is present.

    Attributes:
        measure: A mechanism count (for the indicator) or a run outcome name.
        sign: +1 if the measure should rise with the context, -1 if it should fall.
    """

    measure: str
    sign: int

    @property
    def direction(self) -> str:
        """``"up"`` or ``"down"``."""
        return "up" if self.sign > 0 else "down"


@dataclass(frozen=True)
class Evidence:
    """A context's row of the programme theory, verbatim from docs/evidence.md, section 2."""

    context: str
    mechanism: str
    outcome: str


@dataclass(frozen=True)
class ContextInfo:
    """A context of the programme theory: every fact about it, declared once.

    Everything else reads these declarations: the config schema (one field per context), the
    theory table (:mod:`qicsim.model.theory`), the mechanism checks and the mediation analysis,
    the dashboard's controls, the generated tables of docs/parameters.md and docs/ODD.md, and
    the tests. Adding a context is one entry here plus the mechanism that reads it.

    Attributes:
        code: C1 ... C10 as in docs/evidence.md, section 2.
        name: Config key (``contexts.<name>``).
        label: Short description.
        plain: One line in a care home manager's words (the dashboard's explanation).
        evidence: The context, mechanism and outcome texts of docs/evidence.md, section 2.
        kind: ``"enabling"`` for the nine contexts of the paper's conclusion (C1-C9), whose
            removal should lower the outcomes; ``"hindering"`` for C10, a hindering context
            (heavy workload, little routine data) whose switch is its remedy, data support.
        acts_on: The mechanism it drives in the model, in words.
        read_by: The model functions that read it (``module.function``), the only readers of
            ``QICModel.context("<name>")``; a test checks this against the source.
        indicator: Name of the mechanism count that traces it.
        outcome: The run outcome the mechanism analyses follow (dose-response, mediation).
        expected: The run outcomes the theory names, each with its direction when the context is
            present (the indicator's direction is always up).
        mediators: Names of the states it acts through (``qicsim.model.mediators.MEDIATORS``).
        outcome_series: The weekly series (``qicsim.model.series``) that shows its outcome over
            time, for the timing of the mediation analysis.
        presets: The dashboard's presets for it: button text -> intensity.
        initial_only: Whether it acts only when the network is built (then it takes no schedule).
    """

    code: str
    name: str
    label: str
    plain: str
    evidence: Evidence
    kind: str
    acts_on: str
    read_by: tuple[str, ...]
    indicator: str
    outcome: str
    expected: tuple[Expectation, ...]
    mediators: tuple[str, ...]
    outcome_series: str
    presets: tuple[tuple[str, float], ...] = ()
    initial_only: bool = False

    @property
    def slider_label(self) -> str:
        """``C4 protected time``: the code and the key in words."""
        return f"{self.code} {self.name.replace('_', ' ')}"


def _expect(*pairs: tuple[str, int]) -> tuple[Expectation, ...]:
    return tuple(Expectation(measure, sign) for measure, sign in pairs)


CONTEXTS: tuple[ContextInfo, ...] = (
    ContextInfo(
        "C1", "remit_clarity", "a broad, easily understood remit",
        plain="How clearly staff see that the collaborative's remit fits their own work.",
        evidence=Evidence("a broad, easily understood remit",
                          "members see how the remit fits their own work; ideas fall within scope",
                          "teams choose, implement and iterate improvements"),
        kind="enabling",
        acts_on="members' understanding of how the remit fits their work, hence ideas within scope",
        read_by=("remit.learn_at_meeting",),
        indicator="ideas_in_scope", outcome="implemented", expected=_expect(("implemented", +1), ("iterated", +1)),
        mediators=("understanding",), outcome_series="implemented"),
    ContextInfo(
        "C2", "prior_partnership", "members with established NHS-care home partnerships",
        plain="How many members already worked with each other across the NHS-care home divide.",
        evidence=Evidence("members recruited with established NHS-care home partnership working",
                          "existing trust; little set-up time; readier joint work",
                          "faster implementation"),
        kind="enabling",
        acts_on="initial NHS-care home ties, hence trust: set-up time, effective joint effort",
        read_by=("setup.build_ties",),
        indicator="partnership_trust", outcome="mean_weeks_to_first_implementation",
        expected=_expect(("mean_weeks_to_first_implementation", -1), ("implemented", +1)),
        mediators=("ties",), outcome_series="implemented", initial_only=True),
    ContextInfo(
        "C3", "hierarchy_reduction", "strategies that build relationships, reduce hierarchy",
        plain="How much meetings flatten hierarchy, so that care assistants feel safe to speak.",
        evidence=Evidence("strategies that build relationships and minimise hierarchy (appreciative language, "
                          "celebrating success, ice-breakers, ground rules, paying care home staff, small gestures)",
                          "care home staff feel valued and safe to speak; ties form across professions",
                          "care home staff contribute ideas and lead"),
        kind="enabling",
        acts_on="psychological safety and voice of lower-status members; tie growth",
        read_by=("meetings.hold_meeting",),
        indicator="ideas_voiced_care_home", outcome="projects_led_care_home",
        expected=_expect(("projects_led_care_home", +1)),
        mediators=("safety", "ties"), outcome_series="projects_led_care_home",
        presets=(("keep the hierarchy", 0.0),)),
    ContextInfo(
        "C4", "protected_time", "staff time protected and paid",
        plain="How much of care home members' QIC time is protected and paid for (backfilled).",
        evidence=Evidence("staff time protected and paid",
                          "taking part becomes feasible beside care duties",
                          "attendance and active work"),
        kind="enabling",
        acts_on="backfilled hours in members' weekly time budget, honoured less under pressure",
        read_by=("workload.update_time",),
        indicator="qic_hours_members", outcome="attendances",
        expected=_expect(("attendances", +1), ("implemented", +1)),
        mediators=("qic_hours", "available"), outcome_series="attendances",
        presets=(("no protected time", 0.0), ("all protected time", 1.0))),
    ContextInfo(
        "C5", "alignment", "improvements aligned with existing work and priorities",
        plain="How far improvements are fitted to what each home already works on.",
        evidence=Evidence("improvements aligned with existing work and priorities",
                          "the work feels like the day job, not extra",
                          "implementation, and later sustainment"),
        kind="enabling",
        acts_on="homes' practice of fitting work to priorities: ideas taken up, effort absorbed by "
                "routine work, sustainment",
        read_by=("alignment.practise",),
        indicator="day_job_hours", outcome="sustained_share",
        expected=_expect(("implemented", +1), ("sustained_share", +1)),
        mediators=("alignment_practice",), outcome_series="in_place"),
    ContextInfo(
        "C6", "qi_coaching", "QI coaching that plans in manageable chunks",
        plain="How much QI coaching helps teams plan in small, manageable chunks.",
        evidence=Evidence("QI coaching that helps members plan in manageable chunks",
                          "small steps succeed, building confidence and momentum",
                          "plans get tested and completed"),
        kind="enabling",
        acts_on="QI skill, hence chunk size and success; facilitator hours in homes (alongside projects, or a "
                "caseload of sessions)",
        read_by=("coaching.coach", "coaching.facilitator_hours", "coaching.caseload_hours"),
        indicator="chunks_completed", outcome="implemented",
        expected=_expect(("pdsa_cycles", +1), ("implemented", +1)),
        mediators=("skill",), outcome_series="implemented",
        presets=(("no QI coaching", 0.0),)),
    ContextInfo(
        "C7", "network_recruitment", "recruiting multidisciplinary help through networks",
        plain="How readily champions ask their contacts for a missing discipline (e.g. a dietitian).",
        evidence=Evidence("members encouraged to recruit multidisciplinary support through existing networks",
                          "missing professions (a dietitian, a specialist nurse) are brought in through personal ties",
                          "multidisciplinary interventions"),
        kind="enabling",
        acts_on="readiness to ask one's contacts, hence missing disciplines recruited through ties",
        read_by=("recruitment.encourage",),
        indicator="disciplines_recruited_via_ties", outcome="multidisciplinary_implemented",
        expected=_expect(("multidisciplinary_implemented", +1)),
        mediators=("network_use",), outcome_series="implemented"),
    ContextInfo(
        "C8", "meetings_in_care_homes", "meetings held in care homes",
        plain="Share of local meetings held in a care home rather than at the CCG offices.",
        evidence=Evidence("meetings held in care homes",
                          "care home staff can attend without leaving the floor for long; NHS staff see the setting",
                          "care home participation; interventions that fit the home"),
        kind="enabling",
        acts_on="time off the floor a meeting takes care home staff, hence their attendance",
        read_by=("meetings.hold_meeting",),
        indicator="care_home_meetings_within_time", outcome="care_home_attendance_share",
        expected=_expect(("care_home_attendance_share", +1)),
        mediators=("meeting_cost",), outcome_series="attendances_care_home",
        presets=(("meet at the CCG offices", 0.0), ("meet in care homes", 1.0))),
    ContextInfo(
        "C9", "learning_events", "shared learning events",
        plain="Whether the shared learning events for all sites take place.",
        evidence=Evidence("shared learning events",
                          "learning across sites; renewed motivation; peer recognition",
                          "multidisciplinary interventions built stepwise"),
        kind="enabling",
        acts_on="events held: recognition, skill, cross-site ties along which improvements spread",
        read_by=("events.hold_learning_event",),
        indicator="ideas_spread", outcome="spread", expected=_expect(("spread", +1), ("implemented", +1)),
        mediators=("ties", "engagement", "skill"), outcome_series="spread_implemented",
        presets=(("no learning events", 0.0),)),
    ContextInfo(
        "C10", "data_support", "funded help with collecting and reading data",
        plain="Funded help with collecting and reading data on each change tested.",
        evidence=Evidence("(negative) heavy existing workload; little routine data in care homes",
                          "measurement is felt as an extra burden",
                          "measurement for change is not used"),
        kind="hindering",
        acts_on="homes' data capability: cost and value of measuring, hence the champion's choice",
        read_by=("measurement.update_data_capability",),
        indicator="decisions_on_data", outcome="teams_used_measurement",
        expected=_expect(("teams_used_measurement", +1), ("measured_share", +1)),
        mediators=("data_capability",), outcome_series="measured_cycles",
        presets=(("with data support", 1.0),)),
)
"""The registry: one declaration per context, in code order."""

CONTEXT_NAMES: tuple[str, ...] = tuple(c.name for c in CONTEXTS)
ENABLING: tuple[str, ...] = tuple(c.name for c in CONTEXTS if c.kind == "enabling")
"""C1-C9, the contexts whose removal the theory says lowers the outcomes."""
INITIAL_ONLY = frozenset(c.name for c in CONTEXTS if c.initial_only)
CONTEXT_INDEX: dict[str, int] = {c.name: i for i, c in enumerate(CONTEXTS)}
BY_CODE: dict[str, ContextInfo] = {c.code: c for c in CONTEXTS}
BY_NAME: dict[str, ContextInfo] = {c.name: c for c in CONTEXTS}


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
