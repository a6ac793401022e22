"""Staff members: Mesa agents whose state lives in one table of per-post arrays.

Each post ("slot") is one :class:`StaffMember` for the whole run; the person holding it changes
with turnover (``StaffTable.holder`` numbers the holders, a new number for each new holder;
creating and removing Mesa agents every week cost more than the rest of turnover). Everything that describes a
person, fixed or changing, weekly or cumulative, is a column of :class:`StaffTable`: the
weekly processes act on whole columns at once (Python loops over agents are where the time
goes), and each agent exposes its own row as attributes for step-by-step use, tests and the
dashboard.
"""

from __future__ import annotations

import itertools
import weakref
from typing import TYPE_CHECKING

import mesa
import numpy as np

from qicsim.model.roles import HIERARCHY, ORGANISATION, Organisation, Role
from qicsim.model.ties import Ties

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

_FLOAT_COLUMNS = (
    # the holder's traits and dispositions, 0-1 unless stated
    "contracted_hours", "workload_share", "protection_draw", "engagement", "skill", "safety",
    "understanding", "network_use", "measurement_belief",
    # this week's time budget (hours)
    "demand", "available", "protected_offered", "protected_used", "qic_hours", "hours_left",
    "project_hours", "meeting_cost",
    # cumulative counts and hours
    "attendances", "event_attendances", "hours_meetings", "hours_events", "hours_projects",
    "hours_measurement", "hours_protected_paid", "hours_protected_used",
)


class StaffTable:
    """Per-slot state of all staff posts.

    Fixed per slot:
        role, organisation, is_care, hierarchy, site, home (-1 for NHS posts), home_or_zero
        (home, 0 for NHS posts), load_index (the home whose load the post carries, or n_homes for
        the season's), unit (the home, or the site's NHS side, on which the slot's
        events are counted), holders (the slots of each role), site_start and site_stop (each
        site's slots are ``site_start[s]:site_stop[s]``), outside (an NHS professional outside the team),
        team_post (a post that can be in the team: every care home post, and the NHS team
        posts), protection_target (C4 offered to this role), contracted_hours,
        leaving_hazard (weekly, set by turnover), workload_mean (of the role), care_slots,
        hours_per_home (contracted hours of each home's modelled posts), start_skill,
        start_safety and induction_weeks (what a new holder of the post starts with).

    Per holder:
        workload_share (clinical demand as a share of contracted hours); protection_draw
        (uniform; protected while below C4); member; ever_member (the holder has been in the
        team); engagement; skill (QI skill); safety (psychological safety); understanding (of
        how the remit fits their work, C1); network_use (readiness to ask their contacts for
        help, C7); measurement_belief (that measuring a cycle helps, C10); induction_left
        (weeks); weeks_in_post; holder (the number of the post's current holder; see
        holders_seen); ties (symmetric tie strengths in [0, 1], a :class:`Ties`: a block per
        site and a list of cross-site ties; its ``colleague`` blocks say which posts work side
        by side: staff of the same home, or NHS team posts of the same site); settling (a new
        holder still forming ties with colleagues).

    This week's time budget (hours):
        demand, available (after clinical demand, backfill included), protected_offered,
        protected_used, qic_hours, hours_left (QIC hours not yet spent), project_hours,
        meeting_cost (time off the floor the next local meeting would take).

    Cumulative:
        attendances, event_attendances, hours_meetings (travel included), hours_events,
        hours_projects, hours_measurement, hours_protected_paid, hours_protected_used, leavers.
    """

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
        self.holders: dict[int, np.ndarray] = {int(r): np.flatnonzero(self.role == r) for r in Role}
        self.ties = Ties(self.site)  # checks that each site's slots are contiguous
        self.site_start, self.site_stop = self.ties.start, self.ties.start + self.ties.size
        self.home_or_zero = np.maximum(self.home, 0)
        self.care_slots = np.flatnonzero(self.is_care)
        self.load_index = np.where(self.home >= 0, self.home, n_homes)  # a home, or n_homes: the season
        self.outside = np.zeros(n, dtype=bool)
        self.team_post = np.zeros(n, dtype=bool)
        self.protection_target = np.zeros(n, dtype=bool)
        self.hours_per_home = np.zeros(n_homes)  # contracted hours of each home's modelled posts
        for name in _FLOAT_COLUMNS:
            setattr(self, name, np.zeros(n))
        self.member = np.zeros(n, dtype=bool)
        self.ever_member = np.zeros(n, dtype=bool)
        self.induction_left = np.zeros(n, dtype=np.int64)
        self.weeks_in_post = np.zeros(n, dtype=np.int64)
        self.leavers = np.zeros(n, dtype=np.int64)
        self.leaving_hazard: np.ndarray | None = None  # weekly, per post (fixed by role), set by turnover
        self.workload_mean = np.zeros(n)  # of the post's role, as a share of contracted hours
        # A new holder's QI skill, psychological safety and weeks of induction (by role; set up with the world).
        self.start_skill = np.zeros(n)
        self.start_safety = np.zeros(n)
        self.induction_weeks = np.zeros(n, dtype=np.int64)
        self.holder = np.zeros(n, dtype=np.int64)  # number of the post's current holder
        self.holders_seen = 0  # holders numbered so far (the next new holder's number)
        # Runs of slots, set up with the world: each home's posts, and each site's NHS posts
        # (first in the site's slots), are ``first .. first + posts - 1``.
        self.home_first = np.zeros(n_homes, dtype=np.int64)
        self.home_posts = np.zeros(n_homes, dtype=np.int64)
        self.nhs_posts = np.zeros(len(self.site_start), dtype=np.int64)
        self.settling = np.zeros(n, dtype=bool)
        self.agents: list[StaffMember | None] = [None] * n

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

    def __getitem__(self, model: QICModel) -> itertools.count:
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

    def __init__(self, model: QICModel, slot: int) -> None:
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
