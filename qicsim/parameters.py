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

import math
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from qicsim.errors import ConfigError

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

    Returns:
        A ``dataclasses.field`` carrying the metadata.
    """
    meta = {"lo": lo, "hi": hi, "unit": unit, "source": source, "doc": doc, "integer": integer,
            "may_be_empty": may_be_empty}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


def allowed_text(meta: dict[str, Any]) -> str:
    """Describe the allowed values of a field from its metadata.

    Args:
        meta: The field's metadata as made by :func:`setting`.

    Returns:
        Text such as "a number in [0, 1]" or "a whole number >= 1".
    """
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
    allowed = allowed_text(meta)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(key, f"{value!r} is not a number", allowed)
    if meta.get("integer") and not float(value).is_integer():
        raise ConfigError(key, f"{value!r} is not a whole number", allowed)
    if not math.isfinite(value):
        raise ConfigError(key, f"{value!r} is not finite", allowed)
    lo, hi = meta.get("lo"), meta.get("hi")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise ConfigError(key, f"{value!r} is out of range", allowed)


def validate_dataclass(obj: Any, prefix: str) -> None:
    """Check every numeric field (and list of numbers) of a settings dataclass.

    Args:
        obj: A :class:`Structure` or :class:`Parameters` instance.
        prefix: Dotted prefix for messages, e.g. "parameters".

    Raises:
        ConfigError: On the first field that is not allowed.
    """
    for f in fields(obj):
        if "lo" not in f.metadata:
            continue
        value = getattr(obj, f.name)
        key = f"{prefix}.{f.name}"
        if isinstance(f.default_factory, type(lambda: None)) and not isinstance(value, (list, tuple)):
            raise ConfigError(key, f"{value!r} is not a list", f"a list of {allowed_text(f.metadata)}")
        if isinstance(value, (list, tuple)):
            if not value and not f.metadata.get("may_be_empty"):
                raise ConfigError(key, "the list is empty", f"a list of {allowed_text(f.metadata)}")
            for i, item in enumerate(value):
                check_number(f"{key}[{i}]", item, f.metadata)
        else:
            check_number(key, value, f.metadata)
    cross_check = getattr(obj, "cross_check", None)
    if cross_check is not None:
        cross_check(prefix)


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
    names = {f.name for f in fields(cls)}
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


@dataclass
class Parameters:
    """Behavioural rates and sizes. Each context's strength parameters sit under its name."""

    # --- care homes and workload (process 1)
    beds_mean: float = setting(
        28.0, lo=1, hi=200, unit="beds",
        source="evidence 3: Residents per home, Nottingham City (about 28)",
        doc="mean beds per home")
    nursing_home_share: float = setting(
        0.4, lo=0, hi=1, unit="share", doc="share of homes that are nursing homes")
    priorities_per_home: int = setting(
        3, lo=1, hi=9, integer=True, unit="topics", doc="topics a home already treats as priorities")
    care_workload_share: float = setting(
        0.97, lo=0, hi=2, unit="share of contracted hours",
        source="evidence 2: C10 (heavy existing workload); value an assumption",
        doc="mean weekly clinical demand of care home staff")
    nhs_workload_share: float = setting(
        0.95, lo=0, hi=2, unit="share of contracted hours",
        doc="mean weekly clinical demand of NHS staff other than GPs")
    gp_workload_share: float = setting(
        1.05, lo=0, hi=2, unit="share of contracted hours",
        source="evidence 1: GPs (no capacity to lead); value an assumption",
        doc="mean weekly clinical demand of GPs")
    workload_sd: float = setting(
        0.03, lo=0, hi=1, unit="share", doc="spread of workload between staff members")
    winter_amplitude: float = setting(
        0.04, lo=0, hi=0.5, unit="share", doc="extra demand at the winter peak (seasonal cosine)")
    winter_peak_week: int = setting(
        16, lo=0, hi=51, integer=True, unit="week of run",
        doc="week of the winter peak (run starts in September: evidence 1, Duration)")
    slack_use: float = setting(
        0.6, lo=0, hi=1, unit="share",
        doc="share of an unprotected member's slack hours that goes to QIC work")
    # --- turnover (process 2)
    care_turnover_per_year: float = setting(
        0.30, lo=0, hi=0.99, unit="per year",
        source="evidence 3: Adult social care staff turnover (about 30% a year)",
        doc="annual leaving rate of care home staff")
    nhs_turnover_per_year: float = setting(
        0.10, lo=0, hi=0.99, unit="per year", doc="annual leaving rate of NHS staff")
    takeover_prob: float = setting(
        0.08, lo=0, hi=1, unit="per week",
        doc="chance a stalled project's champion is replaced by another member")
    rejoin_prob: float = setting(
        0.05, lo=0, hi=1, unit="per week",
        doc="weekly chance, during support, that the new holder of a team post (after turnover) joins the team")
    # --- meetings and voice (process 3)
    meeting_hours: float = setting(2.0, lo=0, hi=8, unit="hours", doc="length of a local meeting")
    travel_hours_away: float = setting(
        3.0, lo=0, hi=8, unit="hours",
        source="evidence 2: C8 (attend without leaving the floor for long); value an assumption",
        doc="time off the floor for care home staff beyond the meeting itself (travel, handover) "
            "when it is held away from the homes")
    travel_hours_in_home: float = setting(
        0.5, lo=0, hi=8, unit="hours",
        doc="travel time of care home staff to a meeting held in a care home")
    travel_hours_nhs: float = setting(
        0.5, lo=0, hi=8, unit="hours", doc="travel time of NHS staff to any meeting")
    voice_prob: float = setting(
        0.25, lo=0, hi=1, unit="per meeting",
        doc="chance that a member who feels fully safe voices an idea at a meeting")
    hierarchy_penalty: float = setting(
        0.5, lo=0, hi=5, unit="per status level",
        source="evidence 2: C3 (care home staff feel safe to speak); value an assumption",
        doc="how fast voice falls with each level below the highest status in the room, when unsafe")
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
    tie_gain: float = setting(
        0.04, lo=0, hi=1, unit="per meeting", doc="growth of a tie between two co-attendees")
    # --- projects (processes 4-7)
    project_effort_hours: float = setting(
        60.0, lo=1, hi=1000, unit="hours", doc="mean effort of a new project (lognormal)")
    spread_effort_share: float = setting(
        0.5, lo=0.05, hi=1, unit="share", doc="effort of a spread or iterated project, relative")
    max_projects_per_home: int = setting(
        2, lo=1, hi=10, integer=True, unit="projects", doc="active projects a home can hold")
    lead_hours_min: float = setting(
        3.5, lo=0, hi=40, unit="hours per week",
        source="evidence 1: GPs (keen, but no capacity to lead); value an assumption",
        doc="QIC hours an NHS member needs to lead a project")
    helper_share: float = setting(
        0.5, lo=0, hi=1, unit="share",
        doc="share of a helping NHS member's project hours given to each project helped")
    recruit_hours: float = setting(
        1.0, lo=0, hi=40, unit="hours per week",
        doc="hours a discipline recruited from outside the team gives a project")
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
    local_spread_prob: float = setting(
        0.05, lo=0, hi=1, unit="per meeting",
        doc="chance an implemented improvement is proposed to another home of the site")
    # --- measurement (process 6)
    measurement_hours: float = setting(
        4.0, lo=0, hi=40, unit="hours per cycle",
        source="evidence 1: Measurement (hard to fit into workload); value an assumption",
        doc="hours measuring a PDSA cycle costs without data support")
    measure_intent: float = setting(
        0.6, lo=0, hi=1, unit="probability",
        source="evidence 3: PDSA practice (about 15% used data to steer cycles); an assumption",
        doc="chance a champion with enough spare hours measures a cycle")
    measured_learning_bonus: float = setting(
        0.15, lo=0, hi=1, unit="probability",
        doc="extra chance of success for the cycle after a measured one")
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
    # --- feedback (process 10)
    feedback_strength: float = setting(
        0.01, lo=0, hi=0.2, unit="share per improvement",
        source="Repenning and Sterman 2001 (model brief, process 10); value an assumption",
        doc="workload eased by each working improvement in a home (0 turns the loop off)")
    feedback_floor: float = setting(
        0.85, lo=0.1, hi=1, unit="share", doc="lowest workload the feedback can bring a home to")
    # --- context mechanisms: how strongly each context acts at intensity 1
    remit_scope_floor: float = setting(
        0.25, lo=0, hi=1, unit="share",
        source="evidence 1: Remit (narrow CGA remit confused members); value an assumption",
        doc="C1: share of ideas within scope when the remit is unclear")
    partnership_tie_prob: float = setting(
        0.8, lo=0, hi=1, unit="probability",
        doc="C2: chance an NHS-care home pair of members is tied at the start, at intensity 1")
    partnership_tie_strength: float = setting(
        0.6, lo=0, hi=1, unit="0-1", doc="C2: strength of a prior partnership tie")
    collaboration_floor: float = setting(
        0.25, lo=0, hi=1, unit="share",
        doc="C2: share of effort that counts when champion and partners share no trust")
    setup_weeks_max: float = setting(
        10.0, lo=0, hi=52, unit="weeks",
        source="evidence 2: C2 (little set-up time)",
        doc="C2: set-up time of a project whose champion has no partnership tie")
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
        doc="C4: protected, paid QIC hours of a protected member")
    protection_breaks_at: float = setting(
        1.06, lo=0, hi=3, unit="workload share",
        doc="C4: home workload above which protected time is not honoured that week")
    alignment_filter: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 2: C5 (check ideas fit priorities)",
        doc="C5: share of ideas outside the home's priorities set aside at intensity 1")
    day_job_share: float = setting(
        0.6, lo=0, hi=0.95, unit="share",
        source="evidence 2: C5 (work feels like the day job)",
        doc="C5: share of an aligned project's effort done within routine work")
    unaligned_fit: float = setting(
        0.3, lo=0, hi=1, unit="0-1", doc="C5: alignment of a project outside the home's priorities")
    alignment_lapse_protection: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 1: sustainment themes (fit with priorities)",
        doc="C5: cut in lapse hazard of a fully aligned improvement")
    chunk_hours_coached: float = setting(
        4.0, lo=0.5, hi=200, unit="hours",
        source="evidence 2: C6 (plan in manageable chunks)", doc="C6: chunk size of a coached plan")
    chunk_hours_uncoached: float = setting(
        16.0, lo=0.5, hi=200, unit="hours", doc="C6: chunk size of an uncoached plan")
    chunk_success_scale: float = setting(
        10.0, lo=0.1, hi=1000, unit="hours",
        doc="C6: chunk size at which a cycle succeeds with chance 1/e before skill")
    coaching_skill_gain: float = setting(
        0.03, lo=0, hi=1, unit="per cycle", doc="C6: extra skill per cycle from coaching")
    recruit_prob: float = setting(
        0.25, lo=0, hi=1, unit="per week",
        source="evidence 2: C7 (missing professions brought in through personal ties)",
        doc="C7: weekly chance of recruiting a missing discipline through a tie of strength 1")
    referral_prob: float = setting(
        0.005, lo=0, hi=1, unit="per week",
        doc="weekly chance a missing discipline joins through formal channels (no tie)")
    outside_tie_prob: float = setting(
        0.5, lo=0, hi=1, unit="probability",
        doc="chance an NHS member is tied to an outside professional of the site")
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
    event_spread_prob: float = setting(
        0.7, lo=0, hi=1, unit="probability",
        source="evidence 4: pattern 2 (a few spread after learning events)",
        doc="C9: chance an implemented improvement is taken up by another site at an event")
    event_ties_per_attendee: float = setting(
        1.5, lo=0, hi=20, unit="ties", doc="C9: new cross-site ties an attendee forms at an event")
    event_tie_strength: float = setting(
        0.4, lo=0, hi=1, unit="0-1", doc="C9: strength of a tie formed at an event")
    outside_event_attendance: float = setting(
        0.5, lo=0, hi=1, unit="probability",
        doc="C9: chance an outside professional attends a learning event")
    data_support_saving: float = setting(
        0.8, lo=0, hi=1, unit="share",
        source="evidence 2: C10 (little routine data makes measurement a burden)",
        doc="C10: cut in a measured cycle's hours at intensity 1")


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
