"""Staff members: Mesa agents whose state lives in one table of per-post arrays.

Each post ("slot") is one :class:`StaffMember` for the whole run; the person holding it changes
with turnover (``StaffTable.holder`` numbers the holders, a new number for each new holder;
creating and removing Mesa agents every week cost more than the rest of turnover). Everything that describes a
person, fixed or changing, weekly or cumulative, is a column of :class:`StaffTable`: the
weekly processes act on whole columns at once (Python loops over agents are where the time
goes), and each agent exposes its own row as attributes for step-by-step use, tests and the
dashboard.

Every column is declared on the class with its type, meaning and the processes that may write
it (:mod:`qicsim.model.ownership`); ``tests/test_state_ownership.py`` runs the model with each
process allowed to write only its own columns (:mod:`qicsim.model.state_guard`).
"""

# No ``from __future__ import annotations`` here: the columns' annotations are evaluated once, as
# the class is made, rather than compiled from strings when ``COLUMNS`` reads them (7 ms an import).
import itertools
import weakref
from typing import TYPE_CHECKING, Annotated

import mesa
import numpy as np

from qicsim.model.ownership import Column, Process, declared_columns
from qicsim.model.roles import HIERARCHY, ORGANISATION, Organisation, Role
from qicsim.model.ties import Ties

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

# One-dimensional arrays of each dtype (numpy.typing.NDArray is a type alias that typing cannot look into).
Floats = np.ndarray[tuple[int], np.dtype[np.float64]]
Ints = np.ndarray[tuple[int], np.dtype[np.int64]]
Flags = np.ndarray[tuple[int], np.dtype[np.bool_]]

TIME, HOLD, TURNOVER, TIES = Process.TIME, Process.HOLD, Process.TURNOVER, Process.TIES
MEETINGS, EVENTS, SPREAD, PROJECTS = Process.MEETINGS, Process.EVENTS, Process.SPREAD, Process.PROJECTS
FACILITATION, STARTS = Process.FACILITATION, Process.STARTS
HELD = "a mediation run imposes it (mediators.MEDIATORS)"


class StaffTable:
    """Per-slot state of all staff posts: one array per column, one element per post.

    Each column is declared below: its type, what one element stands for, its meaning and the
    processes that may write it during the run (set-up writes every column first). Columns
    with no owner are fixed once the world is set up. docs/ODD.md (section 2) tabulates them.

    Args:
        roles: Role of each post, site by site (a site's posts contiguous).
        sites: Site of each post.
        homes: Home of each post, -1 for NHS posts.
        n_homes: Number of homes.
    """

    # --- fixed: the posts and where they are ------------------------------------------------
    n: Annotated[int, Column("number of posts (slots)", "model")]
    role: Annotated[Ints, Column("role (a `roles.Role` value)")]
    organisation: Annotated[Ints, Column("employer (a `roles.Organisation` value)")]
    is_care: Annotated[Flags, Column("a care home post")]
    hierarchy: Annotated[Floats, Column("status level of the role (higher: more senior)")]
    site: Annotated[Ints, Column("site")]
    home: Annotated[Ints, Column("home, -1 for NHS posts")]
    unit: Annotated[Ints, Column("unit its events are counted on: its home, or n_homes + site for NHS posts")]
    load_index: Annotated[Ints, Column("whose load the post carries: its home, or n_homes (the season's) for NHS")]
    care_slots: Annotated[Ints, Column("slots of the care home posts", "care home post")]
    holders: Annotated[dict[int, Ints], Column("slots of each role", "role")]
    site_start: Annotated[Ints, Column("first slot of the site (a site's slots are `site_start:site_stop`)", "site")]
    site_stop: Annotated[Ints, Column("one past the site's last slot", "site")]
    home_first: Annotated[Ints, Column("first slot of the home (a home's posts are one run of slots)", "home")]
    home_posts: Annotated[Ints, Column("posts of the home", "home")]
    nhs_posts: Annotated[Ints, Column("NHS posts of the site (the first of its slots)", "site")]
    outside: Annotated[Flags, Column("an NHS professional outside the team (never a member)")]
    team_post: Annotated[Flags, Column("a post that can be in the team: every care home post, the NHS team posts")]
    protection_target: Annotated[Flags, Column("protected time is offered to the post's role (C4)")]
    contracted_hours: Annotated[Floats, Column("contracted hours a week")]
    workload_mean: Annotated[Floats, Column("mean clinical demand of the role, as a share of contracted hours")]
    hours_per_home: Annotated[Floats, Column("contracted hours of the home's modelled posts", "home")]
    start_skill: Annotated[Floats, Column("QI skill a new holder starts with (by role)")]
    start_safety: Annotated[Floats, Column("psychological safety a new holder starts with (by role)")]
    induction_weeks: Annotated[Ints, Column("weeks of induction of a new holder (by role)")]
    agents: Annotated[list["StaffMember | None"], Column("the post's Mesa agent (`StaffMember`)")]
    leaving_hazard: Annotated[Floats | None, Column(
        "weekly chance the holder leaves (by role); None until turnover's first week", owners=(TURNOVER,))]

    # --- the holder: who holds the post, their traits and dispositions (0-1 unless stated) --
    holder: Annotated[Ints, Column("number of the post's current holder (a new number for each)", owners=(TURNOVER,))]
    holders_seen: Annotated[int, Column("holders numbered so far (the next holder's number)", "model",
                                        owners=(TURNOVER,))]
    workload_share: Annotated[Floats, Column(
        "clinical demand as a share of contracted hours (drawn for each holder)", owners=(TURNOVER,))]
    protection_draw: Annotated[Floats, Column(
        "uniform draw of the holder: offered protected time while below C4", owners=(TURNOVER,))]
    member: Annotated[Flags, Column(
        "in the QIC team", owners=(TURNOVER, PROJECTS),
        why="turnover takes leavers off the team and brings invited colleagues in; project work drops "
            "members whose engagement ran out (process 6)")]
    ever_member: Annotated[Flags, Column("the holder has been in the team", owners=(TURNOVER,))]
    engagement: Annotated[Floats, Column(
        "engagement with the QIC", owners=(TIME, HOLD, TURNOVER, MEETINGS, FACILITATION, EVENTS, PROJECTS),
        why="members' engagement fades each week (time) and others' recovers (turnover, which also resets "
            "it for a new holder); meetings, facilitator sessions, events and cycles run or stalled (projects) "
            "move it; " + HELD)]
    skill: Annotated[Floats, Column(
        "QI skill or confidence", owners=(HOLD, TURNOVER, MEETINGS, FACILITATION, EVENTS, STARTS, SPREAD, PROJECTS,
                                          Process.TRAP),
        why="a new holder starts afresh (turnover); coaching at meetings and sessions and wherever a project is "
            "planned (meetings, facilitation, events' plans, managers' starts, spread and iterations in projects), "
            "shared learning at events, cycles run (projects); it erodes in weeks without QI work (the capability "
            "trap's full loop); " + HELD)]
    safety: Annotated[Floats, Column(
        "psychological safety (willingness to speak up)", owners=(HOLD, TURNOVER, MEETINGS),
        why="a new holder starts afresh (turnover); meetings build it (C3); " + HELD)]
    understanding: Annotated[Floats, Column(
        "understanding of how the remit fits their work (C1)",
        owners=(HOLD, TURNOVER, MEETINGS, FACILITATION, PROJECTS),
        why="a new holder starts without (turnover); learnt at meetings and facilitator sessions and by running "
            "cycles (projects); " + HELD)]
    network_use: Annotated[Floats, Column(
        "readiness to ask their contacts for help (C7)",
        owners=(HOLD, TURNOVER, MEETINGS, Process.NETWORK_FADE),
        why="a new holder starts at the initial level (turnover); meetings encourage it and it fades back "
            "each week of support (recruitment.fade); " + HELD)]
    measurement_belief: Annotated[Floats, Column(
        "belief that measuring a cycle helps (C10)", owners=(TURNOVER, PROJECTS),
        why="a new holder starts at the initial belief (turnover); a champion learns it from measured cycles "
            "(projects)")]
    induction_left: Annotated[Ints, Column("weeks of induction left", owners=(TURNOVER,))]
    weeks_in_post: Annotated[Ints, Column("weeks the holder has been in post", owners=(TURNOVER,))]
    ties: Annotated[Ties, Column(
        "symmetric tie strengths in [0, 1] between posts' holders: a block per site, a list across sites; "
        "its `colleague` blocks (fixed) say who works side by side", "model",
        owners=(HOLD, TURNOVER, TIES, MEETINGS, EVENTS),
        why="a new holder has none (turnover); ties fade and new holders settle in (relationships); "
            "co-attendance strengthens them (meetings) and forms them across sites (events); " + HELD)]
    settling: Annotated[Flags, Column(
        "a new holder still forming ties with colleagues", owners=(TURNOVER, TIES),
        why="set for a new holder (turnover), cleared once their colleague ties have formed (relationships)")]

    # --- this week's time budget (hours) ----------------------------------------------------
    demand: Annotated[Floats, Column("clinical demand", owners=(TIME,))]
    available: Annotated[Floats, Column(
        "hours after clinical demand, backfill included", owners=(TIME, HOLD),
        why="set each week (time); " + HELD)]
    protected_offered: Annotated[Floats, Column("protected hours offered (C4)", owners=(TIME,))]
    protected_used: Annotated[Floats, Column("protected hours honoured and used (C4)", owners=(TIME,))]
    qic_hours: Annotated[Floats, Column(
        "QIC hours", owners=(TIME, HOLD, TURNOVER, PROJECTS),
        why="set each week (time); none left for someone taken off the team (turnover, or projects when a "
            "member drops out); " + HELD)]
    hours_left: Annotated[Floats, Column(
        "QIC hours not yet spent", owners=(TIME, HOLD, TURNOVER, MEETINGS, FACILITATION, EVENTS, PROJECTS),
        why="the week's QIC hours (time, or a held run's) are spent at meetings, facilitator sessions and events, "
            "and are gone for someone taken off the team (turnover, or projects when a member drops out)")]
    project_hours: Annotated[Floats, Column("QIC hours for each of the holder's projects", owners=(PROJECTS,))]
    meeting_cost: Annotated[Floats, Column(
        "time off the floor the local meeting takes (C8)", owners=(HOLD, MEETINGS),
        why="set for each meeting (meetings); " + HELD)]

    # --- cumulative -------------------------------------------------------------------------
    attendances: Annotated[Floats, Column("local meetings attended", owners=(MEETINGS,))]
    event_attendances: Annotated[Floats, Column("learning events attended", owners=(EVENTS,))]
    hours_meetings: Annotated[Floats, Column("hours at local meetings, travel included", owners=(MEETINGS,))]
    hours_events: Annotated[Floats, Column("hours at learning events", owners=(EVENTS,))]
    hours_sessions: Annotated[Floats, Column("hours at facilitator sessions in their home", owners=(FACILITATION,))]
    hours_projects: Annotated[Floats, Column("hours on projects (measuring excluded)", owners=(PROJECTS,))]
    hours_measurement: Annotated[Floats, Column("hours measuring cycles", owners=(PROJECTS,))]
    hours_protected_paid: Annotated[Floats, Column("protected hours paid (C4)", owners=(TIME,))]
    hours_protected_used: Annotated[Floats, Column("protected hours used (C4)", owners=(TIME,))]
    leavers: Annotated[Ints, Column("holders who left the post", owners=(TURNOVER,))]
    qic_hours_spent: Annotated[Floats, Column(
        "hours spent on QIC work (meetings, events, projects, measuring) up to last week (the capability "
        "trap's full loop: this week's are the difference)", owners=(Process.TRAP,))]
    qic_hours_reviewed: Annotated[Floats, Column(
        "hours spent on QIC work up to the home manager's last review (full loop: practice since is the "
        "difference)", owners=(Process.TRAP,))]

    def __init__(self, roles: list[Role], sites: list[int], homes: list[int], n_homes: int) -> None:
        n = len(roles)
        self.n = n
        self.role = np.array(roles, dtype=np.int64)
        self.organisation = np.array([ORGANISATION[r] for r in roles], dtype=np.int64)
        self.is_care = self.organisation == Organisation.CARE_HOME
        self.hierarchy = np.array([HIERARCHY[r] for r in roles], dtype=np.float64)
        self.site = np.array(sites, dtype=np.int64)
        self.home = np.array(homes, dtype=np.int64)
        self.unit = np.where(self.home >= 0, self.home, n_homes + self.site)
        self.load_index = np.where(self.home >= 0, self.home, n_homes)  # a home, or n_homes: the season
        self.care_slots = np.flatnonzero(self.is_care)
        self.holders = {int(r): np.flatnonzero(self.role == r) for r in Role}
        self.ties = Ties(self.site)  # checks that each site's slots are contiguous
        self.site_start, self.site_stop = self.ties.start, self.ties.start + self.ties.size
        self.agents = [None] * n
        self.leaving_hazard = None
        self.holders_seen = 0
        # Every other column starts at zero; set-up (setup.build_world) fills in the fixed ones.
        size = {"post": n, "home": n_homes, "site": len(self.site_start)}
        for name, column in COLUMNS.items():
            if name not in vars(self):
                setattr(self, name, np.zeros(size[column.per], dtype=column.dtype))

    def members_of_site(self, site: int) -> np.ndarray:
        """Slots of the current team members of a site."""
        start = int(self.site_start[site])
        return start + self.member[start: int(self.site_stop[site])].nonzero()[0]


_ROLES = tuple(Role)  # by value
_ORGANISATIONS = tuple(Organisation)


class _IdCountersPerModel(weakref.WeakKeyDictionary):
    """Each model's ``unique_id`` counter, held without keeping the model alive.

    Mesa before 3.4 numbers agents from a class-level ``defaultdict`` keyed by model
    (``Agent._ids``), so every model that ever made an agent stays referenced for the life of
    the process: a long run leaks each finished replication (mesa issue 3179, fixed in mesa
    pull request 3180). Giving :class:`StaffMember` its own weakly keyed counters keeps Mesa's
    numbering and lets a finished model be freed; newer Mesa does not read ``_ids`` at all.
    """

    def __getitem__(self, model: "QICModel") -> itertools.count:
        try:
            return super().__getitem__(model)
        except KeyError:
            counter = self[model] = itertools.count(1)
            return counter


class StaffMember(mesa.Agent):
    """A staff post and whoever holds it now.

    Fixed attributes (role, organisation, site, home) are plain; changing state, the holder's,
    is read from the model's :class:`StaffTable` row of this agent's slot.

    Args:
        model: The model.
        slot: Row of the staff table of this post.
    """

    _ids = _IdCountersPerModel()  # replaces Mesa < 3.4's strong per-model counters (see above)

    def __init__(self, model: "QICModel", slot: int) -> None:
        super().__init__(model)
        table = model.staff
        self.slot = slot
        # Looked up, not constructed: Enum calls were a fifth of the set-up of a post.
        self.role = _ROLES[table.role[slot]]
        self.organisation = _ORGANISATIONS[table.organisation[slot]]
        self.hierarchy = int(table.hierarchy[slot])
        self.site = int(table.site[slot])
        self.home = int(table.home[slot])
        table.agents[slot] = self

    def _get(self, column: str) -> float:
        return float(getattr(self.model.staff, column)[self.slot])

    @property
    def member(self) -> bool:
        """Whether this person is in the QIC team."""
        return bool(self.model.staff.member[self.slot])

    @property
    def engagement(self) -> float:
        """Engagement with the QIC, 0-1."""
        return self._get("engagement")

    @property
    def skill(self) -> float:
        """QI skill or confidence, 0-1."""
        return self._get("skill")

    @property
    def safety(self) -> float:
        """Psychological safety (willingness to speak up), 0-1."""
        return self._get("safety")

    @property
    def understanding(self) -> float:
        """Understanding of how the remit fits their own work, 0-1 (C1)."""
        return self._get("understanding")

    @property
    def contracted_hours(self) -> float:
        """Contracted hours a week."""
        return self._get("contracted_hours")

    @property
    def protected(self) -> bool:
        """Whether this person's protected time was honoured this week (C4)."""
        return bool(self.model.staff.protected_used[self.slot] > 0)

    @property
    def qic_hours(self) -> float:
        """QIC hours available this week (process 1)."""
        return self._get("qic_hours")

    @property
    def holder(self) -> int:
        """Number of the person holding this post now (a new number after each turnover)."""
        return int(self.model.staff.holder[self.slot])

    def ties(self) -> dict[int, float]:
        """Tie strengths to other posts' current holders, keyed by the posts' agents' ``unique_id``."""
        row = self.model.staff.ties.row(self.slot)
        agents = self.model.staff.agents
        return {agents[j].unique_id: float(row[j]) for j in np.flatnonzero(row > 0)}


COLUMNS: dict[str, Column] = declared_columns(StaffTable)
"""Every column of :class:`StaffTable`, in declaration order (docs/ODD.md, section 2)."""
