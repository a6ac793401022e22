"""Every model setting, with its default, range, unit and source, in one place.

Two plain dataclasses hold the values the model takes: :class:`Structure` (sites, homes,
schedule) and :class:`Parameters` (behavioural rates). Each field carries metadata (range,
unit, source) from which validation and ``docs/parameters.md`` are both derived, so the
documentation cannot drift from the code. A source is a row of docs/evidence.md or the
word "assumption".

Nothing here imports Hydra or OmegaConf: the model, tests and notebooks use these classes
directly; the Hydra schema (``qicsim.config.schema``) reuses them.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from qicsim.errors import ConfigError
from qicsim.model.roles import ROLE_NAMES

ASSUMPTION = "assumption"


def setting(
    default: Any,
    *,
    lo: float | None = None,
    hi: float | None = None,
    unit: str = "",
    source: str = ASSUMPTION,
    doc: str,
    integer: bool = False,
    may_be_empty: bool = False,
    choices: tuple[str, ...] | None = None,
) -> Any:
    """Declare a dataclass field with the metadata used for validation and docs.

    Args:
        default: Default value (a list default is copied per instance).
        lo: Smallest allowed value (inclusive), or None for no bound.
        hi: Largest allowed value (inclusive), or None for no bound.
        unit: Unit shown in the parameter table.
        source: A row of docs/evidence.md, or "assumption".
        doc: One-line meaning.
        integer: Whether the value (or each list element) must be a whole number.
        may_be_empty: For a list, whether an empty list is allowed.
        choices: For a name or a list of names, the names allowed (the value is then not a number).

    Returns:
        A ``dataclasses.field`` carrying the metadata.
    """
    meta = {"lo": lo, "hi": hi, "unit": unit, "source": source, "doc": doc, "integer": integer,
            "may_be_empty": may_be_empty, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def allowed_text(meta: dict[str, Any]) -> str:
    """Describe the allowed values of a field from its metadata.

    Args:
        meta: The field's metadata as made by :func:`setting`.

    Returns:
        Text such as "a number in [0, 1]", "a whole number >= 1" or "one of a, b".
    """
    if meta.get("choices"):
        return "one of " + ", ".join(meta["choices"])
    kind = "a whole number" if meta.get("integer") else "a number"
    lo, hi = meta.get("lo"), meta.get("hi")
    if lo is not None and hi is not None:
        return f"{kind} in [{lo:g}, {hi:g}]"
    if lo is not None:
        return f"{kind} >= {lo:g}"
    if hi is not None:
        return f"{kind} <= {hi:g}"
    return kind


def check_number(key: str, value: Any, meta: dict[str, Any]) -> None:
    """Raise ConfigError unless ``value`` is a finite number within the field's range.

    Args:
        key: Dotted name for the message.
        value: The value given.
        meta: The field's metadata.

    Raises:
        ConfigError: If the value has the wrong type or lies outside the range.
    """
    # The allowed values are described only for an error: every model checks every setting. A plain
    # int or float needs no check against the Real ABC (a slow one); bool is neither type.
    kind = type(value)
    if kind is not float and kind is not int and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
        raise ConfigError(key, f"{value!r} is not a number", allowed_text(meta))
    if meta.get("integer") and not float(value).is_integer():
        raise ConfigError(key, f"{value!r} is not a whole number", allowed_text(meta))
    if not math.isfinite(value):
        raise ConfigError(key, f"{value!r} is not finite", allowed_text(meta))
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(key, f"{value!r} is out of range", allowed_text(meta))


def checked_seed(seed: Any) -> int | None:
    """A model's seed as a plain int (None: a fresh, unreproducible one), or a one-line error.

    Raises:
        ConfigError: For a seed that is not a whole number >= 0 (numpy's own error names neither).
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ConfigError("seed", f"{seed!r} is not a seed", "a whole number >= 0, or None")
    return int(seed)


def check_item(key: str, value: Any, meta: dict[str, Any]) -> None:
    """Check one value (or element of a list setting): a name among the choices, or a number in range.

    Raises:
        ConfigError: If the element is not allowed.
    """
    choices = meta.get("choices")
    if choices is None:
        check_number(key, value, meta)
    elif value not in choices:
        raise ConfigError(key, f"{value!r} is not a known name", allowed_text(meta))


@functools.cache
def _checked_fields(cls: type, prefix: str) -> tuple[tuple[str, str, Mapping[str, Any], bool], ...]:
    """The fields of a settings class that have allowed values: name, dotted name, metadata, whether a list.

    Worked out once per class: every model checks every setting, and looking the fields up
    again each time cost as much as the checks.
    """
    function = type(lambda: None)  # a list setting's default comes from a factory function
    return tuple((f.name, f"{prefix}.{f.name}", f.metadata, isinstance(f.default_factory, function))
                 for f in fields(cls) if "lo" in f.metadata)


def validate_dataclass(obj: Any, prefix: str) -> None:
    """Check every numeric field (and list of numbers) of a settings dataclass.

    Args:
        obj: A :class:`Structure` or :class:`Parameters` instance.
        prefix: Dotted prefix for messages, e.g. "parameters".

    Raises:
        ConfigError: On the first field that is not allowed.
    """
    for name, key, meta, is_list in _checked_fields(type(obj), prefix):
        value = getattr(obj, name)
        if is_list and not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"{value!r} is not a list", f"a list of {allowed_text(meta)}")
        if isinstance(value, (list, tuple)):
            if not value and not meta.get("may_be_empty"):
                raise ConfigError(key, "the list is empty", f"a list of {allowed_text(meta)}")
            for i, item in enumerate(value):
                check_item(f"{key}[{i}]", item, meta)
        else:
            check_item(key, value, meta)
    cross_check = getattr(obj, "cross_check", None)
    if cross_check is not None:
        cross_check(prefix)


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    """The field names of a settings class (worked out once)."""
    return frozenset(f.name for f in fields(cls))


def build(cls: type, values: dict[str, Any], prefix: str) -> Any:
    """Make a settings dataclass from plain values, rejecting unknown names.

    Args:
        cls: :class:`Structure` or :class:`Parameters`.
        values: Field names to values; missing names take their defaults.
        prefix: Dotted prefix for messages.

    Returns:
        A validated instance of ``cls``.

    Raises:
        ConfigError: For an unknown name or a value not allowed.
    """
    names = _field_names(cls)
    for key in values:
        if key not in names:
            raise ConfigError(f"{prefix}.{key}", "unknown setting", f"one of {', '.join(sorted(names))}")
    obj = cls(**values)
    validate_dataclass(obj, prefix)
    return obj


@dataclass
class Structure:
    """Sites, homes and the schedule of the collaborative."""

    homes_per_site: list[int] = setting(
        [7, 7, 7, 8], lo=1, hi=100, integer=True, unit="homes",
        source="evidence 1: Scale (4 sites, 29 homes; the split is an assumption)",
        doc="care homes in each site; the list's length is the number of sites")
    collaborative_weeks: int = setting(
        78, lo=1, hi=520, integer=True, unit="weeks", source="evidence 1: Duration (18 months)",
        doc="weeks of collaborative support")
    follow_up_weeks: int = setting(
        52, lo=0, hi=520, integer=True, unit="weeks",
        source="evidence 1: follow-up a year later (BMJ Qual Saf 2023)",
        doc="weeks after support ends in which sustainment is observed")
    learning_event_weeks: list[int] = setting(
        [0, 26, 52, 77], lo=0, hi=519, integer=True, unit="week", may_be_empty=True,
        source="evidence 1: Shared learning events (4, about every 6 months; the last in the final week)",
        doc="weeks at which all-site learning events are held; each within support (< collaborative_weeks)")
    meeting_interval_weeks: int = setting(
        4, lo=1, hi=52, integer=True, unit="weeks",
        doc="weeks between a site team's local meetings (frequency not published)")
    members_per_home: int = setting(
        2, lo=1, hi=6, integer=True, unit="staff",
        doc="care home staff per home in the QIC team at the start (manager first)")
    # --- rival structures (docs/ODD.md, section 4.12): where the evidence cannot yet say which of
    # two plausible structures holds, each is a setting, and calibration across programmes chooses.
    project_start: str = setting(
        "facilitation", choices=("meetings", "events_and_managers", "facilitation"), unit="name",
        source="sources 4: learning sessions plan the action period (events_and_managers); sources 5-6: PROSPER and "
               "SPACE facilitators in homes (facilitation); evidence 1: PEACH (meetings)",
        doc="how a home comes to start a project: meetings = only through ideas voiced at a site meeting; "
            "events_and_managers = also plans made at learning events and its manager choosing a topic; "
            "facilitation = all of those, and facilitator sessions in the home (docs/ODD.md 7.4b)")
    time_model: str = setting(
        "one_share", choices=("one_share", "by_role"), unit="name",
        doc="how discretionary time is shared by role: one_share = one workload share for every care home role "
            "(care_workload_share); by_role = each care home role's own (<role>_discretionary_share)")
    trap: str = setting(
        "full_loop", choices=("firefighting", "full_loop"), unit="name",
        source="sources 4: Repenning and Sterman 2001 (with sources 5, 6): the loop's structure, not its numbers",
        doc="the capability trap's loop: firefighting = problems add demand, nothing erodes or is learned; "
            "full_loop = also QI time off the floor, erosion without practice, lapses and work-arounds under "
            "load, managers learning how much slack to give (docs/ODD.md 7.10)")
    project_sizes: str = setting(
        "one_size", choices=("one_size", "by_kind"), unit="name",
        doc="how big a project is: one_size = every project's effort drawn around project_effort_hours; "
            "by_kind = a small test of change, a process change or a multidisciplinary review, "
            "each with its own hours and least number of PDSA cycles (docs/ODD.md 7.4)")
    prevention: str = setting(
        "uniform", choices=("uniform", "by_topic"), unit="name",
        source="sources 34: by_topic's incidence and rate ratios (rows 34-39, docs/outcomes_by_topic.md); uniform's "
               "topic-blind cut an assumption",
        doc="what an improvement in place prevents: uniform = every improvement cuts all avoidable problems by "
            "prevention_per_improvement, whatever its topic; by_topic = falls, infections, admissions and pressure "
            "ulcers as four streams, each cut only by the topics sourced to act on it, by their rate ratios "
            "(qicsim/model/prevention.py)")

    def cross_check(self, prefix: str) -> None:
        """Rules between fields: learning events fall within support.

        Raises:
            ConfigError: For an event week at or after the end of support.
        """
        for i, week in enumerate(self.learning_event_weeks):
            if week >= self.collaborative_weeks:
                raise ConfigError(f"{prefix}.learning_event_weeks[{i}]", f"{week} is not within support",
                                  f"a week in [0, collaborative_weeks - 1 = {self.collaborative_weeks - 1}]")

    @property
    def total_weeks(self) -> int:
        """Collaborative plus follow-up weeks."""
        return self.collaborative_weeks + self.follow_up_weeks


# Names that can target protected time (C4): every member, one organisation, or single roles.
PROTECTION_TARGETS: tuple[str, ...] = ("all", "care_home", "nhs", *ROLE_NAMES)


@dataclass
class Parameters:
    """Behavioural rates and sizes. Each context's strength parameters sit under its name."""

    # --- care homes and the weekly time budget (process 1)
    beds_mean: float = setting(
        28.0, lo=1, hi=200, unit="beds",
        source="evidence 3: Residents per home, Nottingham City (about 28)",
        doc="mean beds per home")
    beds_cv: float = setting(
        0.3, lo=0, hi=2, unit="ratio",
        doc="spread of beds between homes (coefficient of variation of a normal draw)")
    beds_min: int = setting(
        5, lo=1, hi=200, integer=True, unit="beds", doc="fewest beds a home has (smaller draws are raised to it)")
    nursing_home_share: float = setting(
        0.4, lo=0, hi=1, unit="share", doc="share of homes that are nursing homes")
    priorities_per_home: int = setting(
        3, lo=1, hi=9, integer=True, unit="topics", doc="topics a home already treats as priorities")
    care_workload_share: float = setting(
        0.97, lo=0, hi=2, unit="share of contracted hours",
        source="evidence 2: C10 (heavy existing workload); value an assumption",
        doc="one_share: mean weekly clinical demand of every care home role at the reference problem load "
            "(by_role: 1 - the role's discretionary share)")
    nhs_workload_share: float = setting(
        0.95, lo=0, hi=2, unit="share of contracted hours",
        doc="mean weekly clinical demand of NHS staff other than GPs")
    gp_workload_share: float = setting(
        1.05, lo=0, hi=2, unit="share of contracted hours",
        source="evidence 1: GPs (no capacity to lead); value an assumption",
        doc="mean weekly clinical demand of GPs")
    # Under structure.time_model = by_role these replace care_workload_share: a care home role's mean
    # clinical demand is 1 - its discretionary share (docs/ODD.md 7.1; docs/sources.md rows 31-33).
    manager_discretionary_share: float = setting(
        0.20, lo=0, hi=1, unit="share of contracted hours",
        source="sources 33: care home managers' time (three-quarters administration; leadership and strategy one "
               "of four areas); value an assumption",
        doc="by_role: share of a care home manager's week that is self-directed (at usual load), not demand")
    nurse_discretionary_share: float = setting(
        0.05, lo=0, hi=1, unit="share of contracted hours",
        source="sources 32: nursing home nurses' time (medication, documentation and communication fill the "
               "shift); value an assumption",
        doc="by_role: share of a registered nurse's week that is self-directed (at usual load), not demand")
    senior_carer_discretionary_share: float = setting(
        0.03, lo=0, hi=1, unit="share of contracted hours",
        source="sources 32: enrolled nurses' time, the nearest observed role (communication 37.7%, documentation "
               "29.0%); value an assumption (today's care_workload_share 0.97)",
        doc="by_role: share of a senior carer's week that is self-directed (at usual load), not demand")
    care_assistant_discretionary_share: float = setting(
        0.02, lo=0, hi=1, unit="share of contracted hours",
        source="sources 31: personal care workers' time (activities other than care, documentation, transit and "
               "breaks 0.5-1.8%)",
        doc="by_role: share of a care assistant's week that is self-directed (at usual load), not demand")
    lay_workload_share: float = setting(
        0.75, lo=0, hi=2, unit="share of contracted hours",
        doc="mean weekly demand on lay members' hours from other commitments (volunteers have them too)")
    contracted_hours: float = setting(
        37.5, lo=1, hi=60, unit="hours per week",
        doc="contracted hours of every post other than carers and lay members")
    carer_contracted_hours: float = setting(
        36.0, lo=1, hi=60, unit="hours per week", doc="contracted hours of senior carers and care assistants")
    lay_member_hours: float = setting(
        8.0, lo=0.5, hi=60, unit="hours per week", doc="hours a week a lay member gives (a volunteer)")
    workload_sd: float = setting(
        0.03, lo=0, hi=1, unit="share", doc="spread of workload between staff members")
    winter_amplitude: float = setting(
        0.04, lo=0, hi=0.5, unit="share", doc="extra demand at the winter peak (seasonal cosine)")
    winter_peak_week: int = setting(
        16, lo=0, hi=51, integer=True, unit="week of run",
        doc="week of the winter peak (run starts in September: evidence 1, Duration)")
    slack_use: float = setting(
        0.6, lo=0, hi=1, unit="share",
        doc="share of a member's hours left after clinical demand that goes to QIC work, times engagement")
    own_time_hours: float = setting(
        1.0, lo=0, hi=20, unit="hours per week",
        doc="own (unpaid) time a fully engaged member gives the QIC each week, times engagement")
    # --- turnover, induction and membership (process 2)
    optional_member_prob: float = setting(
        0.5, lo=0, hi=1, unit="probability",
        source="evidence 1: Teams (the mix differed by site); value an assumption",
        doc="chance each optional NHS profession (geriatrician, pharmacist, therapist, lay member) is in a "
            "site team at the start; the GP and community nurse always are")
    initial_engagement_min: float = setting(
        0.4, lo=0, hi=1, unit="0-1", doc="lowest engagement of a team member at the start (uniform draw)")
    initial_engagement_max: float = setting(
        0.8, lo=0, hi=1, unit="0-1", doc="highest engagement of a team member at the start (uniform draw)")
    new_holder_engagement: float = setting(
        0.5, lo=0, hi=1, unit="0-1",
        doc="engagement of anyone not in the team at the start and of every new holder of a post; "
            "non-members recover towards it")
    care_turnover_per_year: float = setting(
        0.30, lo=0, hi=0.99, unit="per year",
        source="evidence 3: Adult social care staff turnover (about 30% a year)",
        doc="annual leaving rate of care home staff other than managers")
    manager_turnover_per_year: float = setting(
        0.20, lo=0, hi=0.99, unit="per year", doc="annual leaving rate of care home managers")
    nhs_turnover_per_year: float = setting(
        0.10, lo=0, hi=0.99, unit="per year", doc="annual leaving rate of NHS staff")
    induction_weeks: int = setting(
        4, lo=0, hi=52, integer=True, unit="weeks",
        source="evidence 1: sustainment themes (staff continuity and induction); value an assumption",
        doc="weeks a new holder of a post spends in induction: no QIC time, cannot join the team")
    manager_induction_weeks: int = setting(
        12, lo=0, hi=52, integer=True, unit="weeks",
        source="evidence 1: sustainment themes (staff continuity and induction); value an assumption",
        doc="induction of a new care home manager")
    takeover_prob: float = setting(
        0.08, lo=0, hi=1, unit="per week",
        doc="chance a project without a champion is taken on by another member of its home")
    invite_prob: float = setting(
        0.08, lo=0, hi=1, unit="per meeting week",
        doc="chance, in each local meeting week, that members invite a colleague they are tied to with "
            "strength 1 (the chance scales with the strongest tie); the colleague accepts with chance "
            "equal to their engagement")
    max_members_per_home: int = setting(
        4, lo=1, hi=8, integer=True, unit="staff", doc="most care home staff of one home in the team")
    engagement_recovery: float = setting(
        0.02, lo=0, hi=1, unit="per week",
        doc="weekly recovery of a non-member's engagement towards new_holder_engagement "
            "(a member who dropped out can come back)")
    # --- relationships
    tie_gain: float = setting(
        0.04, lo=0, hi=1, unit="per meeting", doc="growth of a tie between two co-attendees")
    tie_decay: float = setting(
        0.01, lo=0, hi=1, unit="per week",
        source="evidence 2: relational working builds trust over time (Gordon et al. 2018); value an assumption",
        doc="weekly fading of ties between people who do not work side by side")
    colleague_tie_growth: float = setting(
        0.1, lo=0, hi=1, unit="per week",
        doc="weekly growth of a new holder's ties to the colleagues of their home or site team, "
            "towards the colleague level")
    colleague_tie: float = setting(
        0.5, lo=0, hi=1, unit="0-1",
        doc="tie between colleagues (staff of one home, NHS members of a site team), kept while they work "
            "side by side; new holders' ties grow towards it")
    # --- meetings and voice (process 3)
    meeting_hours: float = setting(2.0, lo=0, hi=8, unit="hours", doc="length of a local meeting")
    travel_hours_away: float = setting(
        3.0, lo=0, hi=8, unit="hours",
        source="evidence 2: C8 (attend without leaving the floor for long); value an assumption",
        doc="time off the floor for care home staff beyond the meeting itself (travel, handover) "
            "when it is held away from the homes")
    travel_hours_in_home: float = setting(
        0.5, lo=0, hi=8, unit="hours",
        doc="travel time of care home staff to a meeting held in another care home")
    travel_hours_nhs: float = setting(
        0.5, lo=0, hi=8, unit="hours", doc="travel time of NHS staff to any meeting")
    voice_prob: float = setting(
        0.25, lo=0, hi=1, unit="per meeting",
        doc="chance that a member who feels fully safe voices an idea at a meeting")
    hierarchy_penalty: float = setting(
        0.5, lo=0, hi=5, unit="per status level",
        source="evidence 2: C3 (care home staff feel safe to speak); value an assumption",
        doc="how fast voice falls with each level below the highest status in the room, when unsafe")
    low_status_level: int = setting(
        1, lo=0, hi=5, integer=True, unit="hierarchy level",
        doc="hierarchy level at or below which a voiced idea counts as low status (a count only: "
            "ideas_voiced_low_status)")
    meeting_engagement_gain: float = setting(
        0.04, lo=0, hi=1, unit="per meeting",
        source="evidence 2: C3 (care home staff feel valued)",
        doc="engagement an attendee gains from a meeting, times their psychological safety")
    safety_initial_care: float = setting(
        0.2, lo=0, hi=1, unit="0-1", doc="initial psychological safety of care home staff")
    safety_initial_nhs: float = setting(
        0.6, lo=0, hi=1, unit="0-1", doc="initial psychological safety of NHS staff")
    fit_care_idea: float = setting(
        0.75, lo=0, hi=1, unit="probability",
        source="evidence 2: C8 (interventions that fit the home); value an assumption",
        doc="chance an idea from care home staff is one of the home's priorities")
    fit_nhs_idea: float = setting(
        0.3, lo=0, hi=1, unit="probability",
        doc="chance an idea from NHS staff is one of the home's priorities")
    setting_fit_gain: float = setting(
        0.3, lo=0, hi=1, unit="probability",
        source="evidence 2: C8 (NHS staff see the setting; interventions that fit the home)",
        doc="C8: extra chance an NHS idea fits the home's priorities when the meeting is in a home")
    # --- how a home comes to start a project, beyond meeting ideas (structure.project_start; docs/ODD.md 7.4b)
    event_plan_prob: float = setting(
        0.5, lo=0, hi=1, unit="per home per event",
        source="sources 4: Breakthrough Series (teams plan the action period's tests at learning sessions); "
               "value an assumption",
        doc="chance a home whose care home members attend a learning event leaves with a plan for the action "
            "period (project_start events_and_managers or facilitation)")
    manager_start_rate: float = setting(
        0.08, lo=0, hi=1, unit="per week",
        source="sources 5: PROSPER (a manager's own change idea); value an assumption (about once a quarter)",
        doc="weekly chance a care home manager in the team chooses a topic for a project, with full "
            "understanding of the remit, full alignment practice and the hours to plan it")
    manager_alignment_floor: float = setting(
        0.5, lo=0, hi=1, unit="share",
        source="sources 7: check ideas fit roles and priorities (lesson iv); value an assumption",
        doc="a manager's chance of choosing a topic in a home with no alignment practice, relative to full practice")
    manager_start_hours: float = setting(
        2.0, lo=0.1, hi=40, unit="hours",
        doc="QIC hours left in the week at which a manager has the time to plan a project (fewer: proportionally "
            "less likely)")
    # --- projects (processes 4-7)
    project_effort_hours: float = setting(
        40.0, lo=1, hi=1000, unit="hours",
        doc="mean effort of a new project (lognormal); under structure.project_sizes = by_kind the kind's hours")
    project_effort_sigma: float = setting(
        0.5, lo=0, hi=3, unit="log hours", doc="spread of project effort (sigma of the lognormal draw)")
    spread_effort_share: float = setting(
        0.5, lo=0.05, hi=1, unit="share", doc="effort of a spread or iterated project, relative")
    # --- project sizes by the kind of change (structure.project_sizes = by_kind; docs/ODD.md 7.4)
    small_test_hours: float = setting(
        4.0, lo=0.5, hi=1000, unit="hours",
        source="sources 20: PROSPER's small tests (a safety cross on the wall, a personalised walking frame); "
               "hours an assumption built from their steps (docs/ODD.md 7.4)",
        doc="by_kind: mean effort of a small test of change (lognormal, sigma project_effort_sigma)")
    process_change_hours: float = setting(
        24.0, lo=0.5, hi=1000, unit="hours",
        source="evidence 1: PEACH's nutrition support (screening, training, care plans); MUST about 15 min a "
               "resident (sources 22); hours an assumption built from its steps (docs/ODD.md 7.4)",
        doc="by_kind: mean effort of a process change (a tool, training or care plans)")
    multidisciplinary_review_hours: float = setting(
        64.0, lo=0.5, hi=1000, unit="hours",
        source="evidence 1: PEACH's MDT review meetings with a triage tool; an MDT project's scale (sources 23); "
               "hours an assumption built from its steps (docs/ODD.md 7.4)",
        doc="by_kind: mean effort of a multidisciplinary review (a topic needing multidisciplinary_review_needs "
            "disciplines or more)")
    multidisciplinary_review_needs: int = setting(
        2, lo=1, hi=10, integer=True, unit="disciplines",
        source="evidence 1: PEACH's MDT review needed a specialist nurse's review and an MDT meeting beside "
               "care home staff; value an assumption",
        doc="by_kind: disciplines a topic cannot progress without that make its projects multidisciplinary reviews")
    small_test_share: float = setting(
        0.5, lo=0, hi=1, unit="share",
        doc="by_kind: share of new projects on a topic needing fewer than multidisciplinary_review_needs "
            "disciplines that are small tests of change (the rest are process changes)")
    small_test_cycles: int = setting(
        1, lo=1, hi=20, integer=True, unit="cycles",
        source="sources 21: a change tested by next Tuesday (IHI); most PDSA work runs no iterative series "
               "(sources 24); value an assumption",
        doc="by_kind: least number of chunks (successful PDSA cycles) a small test of change is planned in")
    process_change_cycles: int = setting(
        3, lo=1, hi=20, integer=True, unit="cycles",
        source="sources 21: IHI's linked tests (4-5 cycles from two patients to all staff); one cycle per "
               "component of PEACH's nutrition support (evidence 1); value an assumption",
        doc="by_kind: least number of chunks a process change is planned in")
    multidisciplinary_review_cycles: int = setting(
        4, lo=1, hi=20, integer=True, unit="cycles",
        source="evidence 1: PEACH's MDT review has four links (triage tool, triage by care home staff, nurse "
               "review, MDT meeting), one cycle each; value an assumption",
        doc="by_kind: least number of chunks a multidisciplinary review is planned in")
    max_projects_per_home: int = setting(
        2, lo=1, hi=10, integer=True, unit="projects", doc="active projects a home can hold")
    lead_hours_min: float = setting(
        3.5, lo=0, hi=40, unit="hours per week",
        source="evidence 1: GPs (keen, but no capacity to lead); value an assumption",
        doc="QIC hours at which an NHS member who voices an idea leads it with chance 1/2")
    lead_hours_spread: float = setting(
        0.5, lo=0.01, hi=10, unit="hours per week",
        doc="how sharply the chance of leading rises with QIC hours around lead_hours_min (logistic scale)")
    helper_share: float = setting(
        0.5, lo=0, hi=1, unit="share",
        doc="share of a helping NHS member's project hours given to each project helped")
    recruit_hours: float = setting(
        1.0, lo=0, hi=40, unit="hours per week",
        doc="most hours a week a discipline recruited from outside the team gives a project "
            "(limited by the professional's own time)")
    discipline_min_share: float = setting(
        0.05, lo=0, hi=1, unit="share",
        doc="share of a project's hours a discipline must give to count towards 'multidisciplinary'")
    multidisciplinary_disciplines: int = setting(
        3, lo=1, hi=12, integer=True, unit="disciplines",
        doc="disciplines (each giving at least discipline_min_share of the hours) that make an implemented "
            "improvement multidisciplinary (a count only: multidisciplinary_implemented)")
    skill_initial_nhs: float = setting(
        0.3, lo=0, hi=1, unit="0-1", doc="initial QI skill of NHS members")
    skill_initial_care: float = setting(
        0.1, lo=0, hi=1, unit="0-1", doc="initial QI skill of care home staff")
    skill_weight: float = setting(
        0.5, lo=0, hi=1, unit="share", doc="how much skill lifts a cycle's chance of success")
    skill_gain: float = setting(
        0.03, lo=0, hi=1, unit="per cycle", doc="skill a champion gains from running a cycle")
    failure_setback: float = setting(
        0.5, lo=0, hi=1, unit="share", doc="share of a failed chunk's work that must be redone")
    engagement_gain: float = setting(
        0.05, lo=0, hi=1, unit="per success", doc="engagement gained from a successful cycle")
    engagement_loss: float = setting(
        0.06, lo=0, hi=1, unit="per failure", doc="engagement lost from a failed cycle")
    engagement_decay: float = setting(
        0.008, lo=0, hi=1, unit="per week",
        source="evidence 2: C9 (renewed motivation)",
        doc="engagement a member loses each week; success and recognition renew it")
    stall_loss: float = setting(
        0.01, lo=0, hi=1, unit="per week", doc="engagement lost in a week a project is stuck")
    dropout_engagement: float = setting(
        0.12, lo=0, hi=1, unit="0-1", doc="engagement below which a member leaves the team")
    iterate_prob: float = setting(
        0.3, lo=0, hi=1, unit="probability",
        doc="chance an implemented improvement is followed by an iteration in its home")
    spread_prob: float = setting(
        0.15, lo=0, hi=1, unit="per contact week",
        source="evidence 4: pattern 2 (a few spread after learning events); value an assumption",
        doc="chance, in a contact week, that a member tied with strength 1 to a home with an improvement "
            "in place takes it up for their own home (the chance scales with the tie)")
    # --- measurement (process 6)
    measurement_hours: float = setting(
        4.0, lo=0, hi=40, unit="hours per cycle",
        source="evidence 1: Measurement (hard to fit into workload); value an assumption",
        doc="QIC hours that measuring a PDSA cycle costs in a home without data capability")
    measurement_value_hours: float = setting(
        6.0, lo=0, hi=100, unit="hours per cycle",
        doc="project hours a champion expects measuring to save when they are sure it helps "
            "(the value weighed against the cost)")
    measurement_belief_initial: float = setting(
        0.5, lo=0, hi=1, unit="0-1",
        source="evidence 1: Support (members trained in the Model for Improvement, measures included)",
        doc="members' initial belief that measuring a cycle helps")
    belief_learning_rate: float = setting(
        0.3, lo=0, hi=1, unit="per measured cycle",
        doc="how far a champion's belief moves towards what a measured cycle showed (helped or not)")
    decision_noise_hours: float = setting(
        1.0, lo=0.01, hi=20, unit="hours",
        doc="spread of the measure-or-not decision around 'expected value = cost' (logistic scale)")
    measured_learning_bonus: float = setting(
        0.15, lo=0, hi=1, unit="probability",
        doc="extra chance of success for the cycle after one whose data informed the next step")
    measurement_for_change_cycles: int = setting(
        3, lo=1, hi=100, integer=True, unit="cycles",
        source="evidence 3: PDSA practice (data used to steer cycles); threshold an assumption",
        doc="cycles whose data informed a decision, at or above which a team counts as using measurement for change")
    data_confirmation_lapse_protection: float = setting(
        0.5, lo=0, hi=1, unit="share",
        source="evidence 1: sustainment themes (perceived effectiveness)",
        doc="cut in the lapse hazard of an improvement whose success data confirmed")
    routine_data_capability: float = setting(
        0.2, lo=0, hi=1, unit="0-1",
        source="evidence 2: C10 (little routine data in care homes); value an assumption",
        doc="a home's data capability (tools, routine data, help reading it) without data support")
    capability_cost_saving: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 2: C10 (little routine data makes measurement a burden)",
        doc="cut in a measured cycle's hours at data capability 1")
    data_capability_decay: float = setting(
        0.01, lo=0, hi=1, unit="per week",
        doc="weekly return of a home's data capability towards the routine level")
    # --- sustainment (process 9)
    lapse_per_week: float = setting(
        0.02, lo=0, hi=1, unit="per week",
        doc="weekly chance an unsupported, unaligned improvement with its champion lapses")
    support_lapse_share: float = setting(
        0.3, lo=0, hi=1, unit="share", doc="lapse hazard during support, relative to after")
    champion_loss_lapse: float = setting(
        4.0, lo=1, hi=20, unit="ratio",
        source="evidence 1: sustainment themes (staff continuity)",
        doc="lapse hazard multiplier once an improvement's champion has gone")
    sustain_weeks: int = setting(
        52, lo=1, hi=520, integer=True, unit="weeks",
        source="evidence 1: follow-up (continued a year later)",
        doc="unsupported weeks in place after which an improvement counts as sustained")
    # --- avoidable problems and the capability trap (process 10)
    falls_per_bed_year: float = setting(
        1.6, lo=0, hi=20, unit="per bed per year",
        source="sources 1: falls in nursing homes (1.5-2.2 per person-year)",
        doc="falls per bed a year in a home with no improvement in place")
    infections_per_bed_year: float = setting(
        1.5, lo=0, hi=20, unit="per bed per year",
        source="sources 2: infections in residential aged care (4.2 per 1,000 occupied bed-days)",
        doc="infections per bed a year in a home with no improvement in place")
    avoidable_admissions_per_bed_year: float = setting(
        0.29, lo=0, hi=20, unit="per bed per year",
        source="sources 3: emergency admissions from care homes (0.70 a year, 41% potentially avoidable)",
        doc="potentially avoidable emergency admissions per bed a year in a home with no improvement in place")
    pressure_ulcers_per_bed_year: float = setting(
        0.095, lo=0, hi=20, unit="per bed per year",
        source="sources 34: one-year incidence of stage II-IV pressure ulcers among nursing home residents (9.5%)",
        doc="prevention by_topic: new pressure ulcers per bed a year in a home with no improvement in place")
    problem_weeks: float = setting(
        3.0, lo=0.1, hi=52, unit="weeks", doc="mean weeks an avoidable problem stays open, adding to demand")
    problem_hours_per_week: float = setting(
        2.0, lo=0, hi=40, unit="hours per week", doc="extra staff hours an open problem needs each week")
    care_hours_per_bed: float = setting(
        30.0, lo=1, hi=200, unit="hours per bed per week",
        doc="staff hours per bed a week over which a home's extra demand is shared")
    prevention_per_improvement: float = setting(
        0.1, lo=0, hi=1, unit="share",
        doc="prevention uniform: cut in a home's inflow of avoidable problems per improvement in place "
            "(multiplicative)")
    rate_ratio_falls_prevention_falls: float = setting(
        0.80, lo=0, hi=2, unit="ratio",
        source="sources 35: multiple-component falls prevention, rate of falls 0.80 (0.72-0.89), any setting; a "
               "stand-in for the care-facility figure",
        doc="prevention by_topic: rate of falls in a home with a falls prevention improvement in place, relative to "
            "without (each one multiplies)")
    rate_ratio_medication_review_falls: float = setting(
        0.93, lo=0, hi=2, unit="ratio",
        source="sources 36: medication review in long-term care, rate of falls 0.93 (0.64-1.35)",
        doc="prevention by_topic: rate of falls with a medication review improvement in place, relative to without")
    rate_ratio_hydration_infections: float = setting(
        0.80, lo=0, hi=2, unit="ratio",
        source="sources 37: no pooled effect (two studies, no meta-analysis); value an assumption: a fifth fewer, "
               "well inside the -58% of one before-and-after report",
        doc="prevention by_topic: rate of infections with a hydration improvement in place, relative to without")
    rate_ratio_deterioration_review_admissions: float = setting(
        0.81, lo=0, hi=2, unit="ratio",
        source="sources 38: homes that took up an early-warning programme (INTERACT) had 18.9% fewer potentially "
               "avoidable hospitalisations",
        doc="prevention by_topic: rate of avoidable admissions with a deterioration review improvement in place, "
            "relative to without")
    rate_ratio_nutrition_support_pressure_ulcers: float = setting(
        0.86, lo=0, hi=2, unit="ratio",
        source="sources 39: nutritional supplements, pressure ulcer incidence RR 0.86 (0.73-1.00), mostly in "
               "hospital",
        doc="prevention by_topic: rate of new pressure ulcers with a nutrition support improvement in place, "
            "relative to without")
    rushed_care_problems: float = setting(
        2.0, lo=0, hi=1000, unit="ratio",
        source="Repenning and Sterman 2001 (working harder, not smarter); value an assumption",
        doc="extra inflow of problems per unit share of demand staff cannot cover (rushed care)")
    initial_problem_load: float = setting(
        1.0, lo=0, hi=10, unit="ratio",
        doc="open problems at the start, as a multiple of the reference stock (inflow x problem_weeks)")
    # --- the capability trap's full loop (structure.trap = full_loop; docs/ODD.md 7.10). Repenning and
    # Sterman give the loop's structure and shape, not numbers: values without a figure are labelled
    # assumptions, each with the range that seems plausible and why.
    skill_erosion: float = setting(
        0.015, lo=0, hi=1, unit="per week",
        source="sources 7: half of skill gains lost after about 11 months without use (6.5-13 by measure), "
               "i.e. 0.012-0.025 a week",
        doc="full loop: share of the gap between a person's QI skill and their starting skill lost in a week they "
            "do no QI work, at usual load")
    routine_erosion: float = setting(
        0.02, lo=0, hi=1, unit="per week",
        source="sources 8: knowledge acquired by doing depreciates rapidly; value an assumption (0.005-0.07 "
               "plausible: half-lives of 10 weeks to 2.5 years)",
        doc="full loop: share of a home's alignment practice, and of its data capability above the routine "
            "level, lost in a week nobody in the home does QI work, at usual load")
    erosion_pressure: float = setting(
        10.0, lo=0, hi=100, unit="per unit of overload",
        source="sources 6: overload erodes capability; value an assumption (0-30 plausible: 10 doubles erosion "
               "at 10% overload)",
        doc="full loop: erosion is multiplied by 1 + erosion_pressure x max(0, load - 1)")
    lapse_pressure: float = setting(
        10.0, lo=0, hi=100, unit="per unit of overload",
        source="evidence 1: sustainment themes (staff willingness to give time); value an assumption (0-30 "
               "plausible: 10 doubles the hazard at 10% overload)",
        doc="full loop: an improvement's lapse hazard is multiplied by 1 + lapse_pressure x max(0, load - 1)")
    slack_learning: float = setting(
        0.05, lo=0, hi=1, unit="per event",
        source="sources 5: managers learn from what they see; value an assumption (0.01-0.2 plausible: a "
               "manager's view moves over months, not weeks or decades)",
        doc="full loop: share of the gap to 1 (payoff) or to 0 (disappointment) a home's QI slack moves per event "
            "its manager sees")
    manager_review_weeks: int = setting(
        4, lo=1, hi=52, integer=True, unit="weeks",
        doc="full loop: weeks between a home manager's reviews of QI; at each, slack is learned from the "
            "period's events and skill, routines and data capability erode if unpractised over it")
    workaround_share: float = setting(
        0.5, lo=0, hi=1, unit="share",
        source="sources 9: 93% of nurses' responses to failures were work-arounds; value an assumption (0.3-0.9 "
               "plausible)",
        doc="full loop: share of the care a home's staff cannot cover that they get done by quick fixes "
            "(working harder)")
    workaround_weeks: float = setting(
        26.0, lo=1, hi=520, unit="weeks",
        doc="full loop: mean weeks a work-around stays in use (the stock decays by 1 / workaround_weeks a week)")
    workaround_harm: float = setting(
        2.0, lo=0, hi=10, unit="ratio",
        source="Repenning and Sterman 2001 (working harder helps at once, hurts later); value an assumption "
               "(0.5-4 plausible; above 1 a quick fix costs more problems later than it avoids now)",
        doc="full loop: rushed-care problems a quick fix causes over its life, per rushed-care problem it "
            "avoided at once")
    # --- context mechanisms: how strongly each context acts at intensity 1
    remit_scope_floor: float = setting(
        0.25, lo=0, hi=1, unit="share",
        source="evidence 1: Remit (narrow CGA remit confused members); value an assumption",
        doc="C1: share of a member's ideas within scope when they do not understand the remit at all")
    understanding_initial: float = setting(
        0.2, lo=0, hi=1, unit="0-1",
        doc="C1: members' understanding of how the remit fits their work at the start (new holders: 0)")
    remit_learning: float = setting(
        0.3, lo=0, hi=1, unit="per meeting",
        source="evidence 2: C1 (members see how the remit fits their own work)",
        doc="C1: share of the gap in understanding an attendee closes at a meeting, at intensity 1")
    experience_learning: float = setting(
        0.05, lo=0, hi=1, unit="per cycle",
        doc="share of the gap in understanding a champion closes by running a cycle (any remit)")
    partnership_tie_prob: float = setting(
        0.8, lo=0, hi=1, unit="probability",
        doc="C2: chance an NHS-care home pair of members is tied at the start, at intensity 1")
    partnership_tie_strength: float = setting(
        0.6, lo=0, hi=1, unit="0-1", doc="C2: strength of a prior partnership tie")
    collaboration_floor: float = setting(
        0.25, lo=0, hi=1, unit="share",
        doc="share of effort that counts when champion and partners share no trust")
    setup_weeks_max: float = setting(
        10.0, lo=0, hi=52, unit="weeks",
        source="evidence 2: C2 (little set-up time)",
        doc="set-up time of a project whose champion has no trust across the NHS-care home divide")
    safety_gain: float = setting(
        0.25, lo=0, hi=1, unit="per meeting",
        source="evidence 2: C3 (feel valued and safe to speak)",
        doc="C3: safety a member gains per meeting at intensity 1")
    hierarchy_tie_boost: float = setting(
        1.0, lo=0, hi=10, unit="ratio",
        source="evidence 2: C3 (ties form across professions)",
        doc="C3: extra tie growth at meetings at intensity 1")
    protected_hours: float = setting(
        3.0, lo=0, hi=40, unit="hours per week",
        doc="C4: backfilled hours a week of a protected member (paid whether used or not)")
    protected_roles: list[str] = setting(
        ["all"], choices=PROTECTION_TARGETS, unit="names",
        doc="C4: who protected time is offered to: all, care_home, nhs, or role names")
    protection_honour_load: float = setting(
        1.15, lo=0, hi=3, unit="load",
        source="evidence 2: C4 (taking part feasible beside care duties); value an assumption",
        doc="C4: home load (1 = usual demand) at which managers honour protected time half the time")
    protection_honour_spread: float = setting(
        0.05, lo=0.001, hi=1, unit="load",
        doc="C4: how sharply honouring falls as load rises past protection_honour_load (logistic scale)")
    alignment_practice_gain: float = setting(
        0.3, lo=0, hi=1, unit="per meeting",
        source="evidence 2: C5 (check regularly that ideas fit members' roles and priorities)",
        doc="C5: share of the gap a home's alignment practice closes each meeting its staff attend, at intensity 1")
    alignment_practice_decay: float = setting(
        0.01, lo=0, hi=1, unit="per week", doc="C5: weekly fading of a home's alignment practice")
    base_alignment: float = setting(
        0.2, lo=0, hi=1, unit="0-1",
        doc="alignment of a project on one of the home's priorities when nobody works to align it")
    alignment_filter: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 2: C5 (check ideas fit priorities)",
        doc="C5: share of ideas outside the home's priorities reshaped to fit one at alignment practice 1")
    day_job_share: float = setting(
        0.6, lo=0, hi=0.95, unit="share",
        source="evidence 2: C5 (work feels like the day job)",
        doc="share of a fully aligned project's effort done within routine work")
    unaligned_fit: float = setting(
        0.3, lo=0, hi=1, unit="0-1", doc="alignment of a project outside the home's priorities, relative")
    alignment_lapse_protection: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 1: sustainment themes (fit with priorities)",
        doc="cut in lapse hazard of a fully aligned improvement")
    chunk_hours_skilled: float = setting(
        4.0, lo=0.5, hi=200, unit="hours",
        source="evidence 2: C6 (plan in manageable chunks)",
        doc="C6: chunk size a champion with QI skill 1 plans")
    chunk_hours_novice: float = setting(
        16.0, lo=0.5, hi=200, unit="hours", doc="C6: chunk size a champion with QI skill 0 plans")
    chunk_success_scale: float = setting(
        10.0, lo=0.1, hi=1000, unit="hours",
        doc="chunk size at which a cycle succeeds with chance 1/e before skill")
    coaching_gain: float = setting(
        0.25, lo=0, hi=1, unit="per coaching contact",
        source="evidence 1: Support (QI coaching)",
        doc="C6: QI skill gained per coaching contact (a meeting or facilitator session attended, a plan made, "
            "a cycle run) at intensity 1, times the gap to 1")
    facilitator_hours_per_home: float = setting(
        0.0, lo=0, hi=40, unit="hours per week",
        doc="C6: hours a week a QI facilitator works alongside staff in each home at intensity 1 "
            "(0: coaching only, as in PEACH; not used under project_start facilitation, whose hours are the "
            "caseload's)")
    # --- facilitation in the home (structure.project_start = facilitation; docs/ODD.md 7.4b)
    facilitation_hours_per_week: float = setting(
        0.0, lo=0, hi=2000, unit="hours per week",
        source="evidence 1: Support (PEACH: a QI fellow and a support team, no facilitators in homes)",
        doc="C6: the programme's facilitator hours a week in homes at intensity 1, shared equally by all its homes "
            "(a caseload: the same hours over more homes give each less)")
    facilitation_session_hours: float = setting(
        3.0, lo=0.5, hi=16, unit="hours",
        source="sources 6: SPACE (multiple facilitator visits); length an assumption (half a day)",
        doc="length of a facilitator's session in a home: a home's banked caseload hours buy one session each")
    facilitation_start_prob: float = setting(
        0.5, lo=0, hi=1, unit="per session",
        source="sources 6: SPACE (facilitators provided ideas and co-designed improvements); value an assumption",
        doc="chance that at a session in a home with no active project, where no idea became one, the facilitator "
            "helps the attendees start one on a priority of the home")
    facilitation_unstick_prob: float = setting(
        0.5, lo=0, hi=1, unit="per project per session",
        doc="chance a session restarts a stalled project of the home: an attendee takes it on (no champion), "
            "or the facilitator brings in the missing discipline (blocked)")
    facilitation_data_gain: float = setting(
        0.1, lo=0, hi=1, unit="per session",
        source="sources 6: SPACE helped homes collect and interpret their own data (PROSPER's Safety Cross: "
               "sources 5); value an assumption",
        doc="share of the gap to full data capability a home closes at each facilitator session (measurement help)")
    network_use_initial: float = setting(
        0.1, lo=0, hi=1, unit="probability",
        doc="C7: weekly chance a champion asks their contacts for a missing discipline, before encouragement")
    network_encouragement: float = setting(
        0.2, lo=0, hi=1, unit="per meeting",
        source="evidence 2: C7 (members encouraged to recruit through existing networks)",
        doc="C7: share of the gap to 1 an attendee's readiness to ask their network closes per meeting, at intensity 1")
    network_use_decay: float = setting(
        0.01, lo=0, hi=1, unit="per week", doc="C7: weekly return of readiness to ask towards its initial level")
    recruit_prob: float = setting(
        0.25, lo=0, hi=1, unit="per request",
        source="evidence 2: C7 (missing professions brought in through personal ties)",
        doc="chance a request through a tie of strength 1 brings in a professional who has the time")
    referral_prob: float = setting(
        0.005, lo=0, hi=1, unit="per week",
        doc="weekly chance a missing discipline joins through formal channels (no tie)")
    outside_tie_prob: float = setting(
        0.5, lo=0, hi=1, unit="probability",
        doc="chance an NHS member is tied to an outside professional of the site")
    outside_tie_strength: float = setting(
        0.5, lo=0, hi=1, unit="0-1", doc="strength of an NHS member's tie to an outside professional")
    event_hours: float = setting(7.0, lo=0, hi=40, unit="hours", doc="C9: length of a learning event")
    event_attendance: float = setting(
        0.7, lo=0, hi=1, unit="probability",
        doc="C9: chance an engaged member with time attends a learning event")
    event_engagement_boost: float = setting(
        0.3, lo=0, hi=1, unit="per event",
        source="evidence 2: C9 (renewed motivation; peer recognition)",
        doc="C9: engagement gained by attending an event")
    event_skill_gain: float = setting(
        0.25, lo=0, hi=1, unit="per event",
        source="evidence 1: Support (members trained in the Model for Improvement)",
        doc="C9: QI skill an attendee gains from an event's shared learning")
    event_ties_per_attendee: float = setting(
        1.5, lo=0, hi=20, unit="ties", doc="C9: new cross-site ties an attendee forms at an event")
    event_tie_strength: float = setting(
        0.4, lo=0, hi=1, unit="0-1", doc="C9: strength of a tie formed at an event")
    outside_event_attendance: float = setting(
        0.5, lo=0, hi=1, unit="probability",
        doc="C9: chance an outside professional attends a learning event")
    data_support_rate: float = setting(
        0.05, lo=0, hi=1, unit="per week",
        source="evidence 2: C10 (plan resources for collecting, processing and interpreting data)",
        doc="C10: share of the gap to full data capability a home closes each week at intensity 1")

    def cross_check(self, prefix: str) -> None:
        """Rules between fields: chunk sizes and the range of initial engagement in order.

        Raises:
            ConfigError: If a skilled planner would plan bigger chunks than a novice, or the lowest
                initial engagement is above the highest.
        """
        if self.initial_engagement_min > self.initial_engagement_max:
            raise ConfigError(f"{prefix}.initial_engagement_min", f"{self.initial_engagement_min:g} is above "
                              f"initial_engagement_max ({self.initial_engagement_max:g})",
                              "a number <= initial_engagement_max")
        if self.chunk_hours_skilled > self.chunk_hours_novice:
            raise ConfigError(f"{prefix}.chunk_hours_skilled", f"{self.chunk_hours_skilled:g} is above "
                              f"chunk_hours_novice ({self.chunk_hours_novice:g})",
                              "a number <= chunk_hours_novice")


# Every setting (of structure and parameters) that existed when the committed records were made: the
# sweep fingerprints and recorded configs under results/ (commit 5c28611). A setting added since then
# (a constant of the model's code that became a parameter; a rival structure's switch or its settings)
# reproduces the model of those records at its default, so records leave it out while it holds its
# default and still name the same runs. When a default changes what a run does, the records are
# regenerated and this list is renewed with them.
RECORDED_SETTINGS: frozenset[str] = frozenset({
    "homes_per_site", "collaborative_weeks", "follow_up_weeks", "learning_event_weeks",
    "meeting_interval_weeks", "members_per_home", "beds_mean", "nursing_home_share", "priorities_per_home",
    "care_workload_share", "nhs_workload_share", "gp_workload_share", "workload_sd", "winter_amplitude",
    "winter_peak_week", "slack_use", "own_time_hours", "care_turnover_per_year", "manager_turnover_per_year",
    "nhs_turnover_per_year", "induction_weeks", "manager_induction_weeks", "takeover_prob", "invite_prob",
    "max_members_per_home", "engagement_recovery", "tie_gain", "tie_decay", "colleague_tie_growth",
    "meeting_hours", "travel_hours_away", "travel_hours_in_home", "travel_hours_nhs", "voice_prob",
    "hierarchy_penalty", "meeting_engagement_gain", "safety_initial_care", "safety_initial_nhs",
    "fit_care_idea", "fit_nhs_idea", "setting_fit_gain", "project_effort_hours", "spread_effort_share",
    "max_projects_per_home", "lead_hours_min", "lead_hours_spread", "helper_share", "recruit_hours",
    "discipline_min_share", "skill_initial_nhs", "skill_initial_care", "skill_weight", "skill_gain",
    "failure_setback", "engagement_gain", "engagement_loss", "engagement_decay", "stall_loss",
    "dropout_engagement", "iterate_prob", "spread_prob", "measurement_hours", "measurement_value_hours",
    "measurement_belief_initial", "belief_learning_rate", "decision_noise_hours", "measured_learning_bonus",
    "measurement_for_change_cycles", "data_confirmation_lapse_protection", "routine_data_capability",
    "capability_cost_saving", "data_capability_decay", "lapse_per_week", "support_lapse_share",
    "champion_loss_lapse", "sustain_weeks", "falls_per_bed_year", "infections_per_bed_year",
    "avoidable_admissions_per_bed_year", "problem_weeks", "problem_hours_per_week", "care_hours_per_bed",
    "prevention_per_improvement", "rushed_care_problems", "initial_problem_load", "remit_scope_floor",
    "understanding_initial", "remit_learning", "experience_learning", "partnership_tie_prob",
    "partnership_tie_strength", "collaboration_floor", "setup_weeks_max", "safety_gain", "hierarchy_tie_boost",
    "protected_hours", "protected_roles", "protection_honour_load", "protection_honour_spread",
    "alignment_practice_gain", "alignment_practice_decay", "base_alignment", "alignment_filter",
    "day_job_share", "unaligned_fit", "alignment_lapse_protection", "chunk_hours_skilled", "chunk_hours_novice",
    "chunk_success_scale", "coaching_gain", "facilitator_hours_per_home", "network_use_initial",
    "network_encouragement", "network_use_decay", "recruit_prob", "referral_prob", "outside_tie_prob",
    "event_hours", "event_attendance", "event_engagement_boost", "event_skill_gain", "event_ties_per_attendee",
    "event_tie_strength", "outside_event_attendance", "data_support_rate"})


def _defaults() -> dict[str, Any]:
    out = {}
    for cls in (Structure, Parameters):
        for f in fields(cls):
            out[f.name] = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
    return out


_DEFAULTS = _defaults()

RECORDED_STRUCTURE: dict[str, str] = {"project_start": "meetings", "time_model": "one_share",
                                      "project_sizes": "one_size", "trap": "firefighting"}
"""The rival structures' switches as the committed records were made (``structure=peach_2026``).

The default structure changed after the records were made (issue 19: the parts PEACH's pattern
checks admit), so a record leaves a switch out where it holds this value, not where it holds
today's default: a run under today's default names its switches and no longer matches a record
made under the old structure."""

_RECORD_VALUES = {**_DEFAULTS, **RECORDED_STRUCTURE}


ACTS_UNDER: dict[str, tuple[str, tuple[str, ...]]] = {
    **dict.fromkeys(("event_plan_prob", "manager_start_rate", "manager_alignment_floor", "manager_start_hours"),
                    ("project_start", ("events_and_managers", "facilitation"))),
    **dict.fromkeys(("facilitation_hours_per_week", "facilitation_session_hours", "facilitation_start_prob",
                     "facilitation_unstick_prob", "facilitation_data_gain"), ("project_start", ("facilitation",))),
    **dict.fromkeys(("manager_discretionary_share", "nurse_discretionary_share", "senior_carer_discretionary_share",
                     "care_assistant_discretionary_share"), ("time_model", ("by_role",))),
    **dict.fromkeys(("small_test_hours", "process_change_hours", "multidisciplinary_review_hours",
                     "multidisciplinary_review_needs", "small_test_share", "small_test_cycles", "process_change_cycles",
                     "multidisciplinary_review_cycles"), ("project_sizes", ("by_kind",))),
    **dict.fromkeys(("pressure_ulcers_per_bed_year", "rate_ratio_falls_prevention_falls",
                     "rate_ratio_medication_review_falls", "rate_ratio_hydration_infections",
                     "rate_ratio_deterioration_review_admissions", "rate_ratio_nutrition_support_pressure_ulcers"),
                    ("prevention", ("by_topic",))),
}
"""Settings that act only under some values of a rival structure's switch: setting -> (switch, values)."""


def omit_later_settings(values: Mapping[str, Any], switches: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Settings as a record shows them: those added since the records were made left out where they change nothing.

    A later setting changes nothing where it holds the value the records were made with (its
    default; for a structure's switch, :data:`RECORDED_STRUCTURE`), or where it belongs to a rival
    structure (:data:`ACTS_UNDER`) that is not selected: a scenario may set a programme's
    facilitation hours, which act only under ``project_start = facilitation``.

    Args:
        values: Setting names to values (structure or parameters alone, or a model's keyword arguments).
        switches: The structure's switches, if ``values`` does not hold them (parameters alone).

    Returns:
        A copy without each later setting that changes nothing; every other entry kept, in order.
    """
    switches = {**(switches or {}), **values}

    def changes_nothing(name: str, value: Any) -> bool:
        if name in RECORDED_SETTINGS or name not in _DEFAULTS:
            return False
        if name in ACTS_UNDER:
            switch, acting = ACTS_UNDER[name]
            if switches.get(switch, _RECORD_VALUES[switch]) not in acting:
                return True
        return value == _RECORD_VALUES[name]

    return {name: value for name, value in values.items() if not changes_nothing(name, value)}


def field_table(cls: type) -> list[dict[str, Any]]:
    """Rows (name, default, range, unit, source, meaning) describing a settings class.

    Args:
        cls: :class:`Structure` or :class:`Parameters`.

    Returns:
        One dict per field, in declaration order.
    """
    rows = []
    for f in fields(cls):
        default = f.default if f.default is not MISSING else f.default_factory()  # type: ignore[misc]
        rows.append({"name": f.name, "default": default, "allowed": allowed_text(f.metadata),
                     "unit": f.metadata["unit"], "source": f.metadata["source"],
                     "meaning": f.metadata["doc"]})
    return rows
