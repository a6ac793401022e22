"""Staff members: Mesa agents whose changing state lives in shared arrays.

Each post ("slot") in the model holds one :class:`StaffMember` at a time; when a member
leaves (turnover), the slot is filled by a new agent with the same role and workplace.
Weekly processes act on whole arrays at once (engineering notes: Python loops over agents
are where the time goes), while each agent still exposes its own state as attributes for
step-by-step use, tests and the dashboard.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from qicsim.model.roles import HIERARCHY, ORGANISATION, Organisation, Role

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


class StaffTable:
    """Per-slot state arrays for all staff posts.

    Attributes:
        role, organisation, hierarchy, site, home: Fixed per slot (home is -1 for NHS).
        contracted_hours, workload_share: Weekly hours and demand as a share of them.
        member: Whether the slot's holder is in the QIC team.
        outside: Whether the post is an NHS professional outside the team (dietitian, ...).
        protection_draw: Uniform draw; the holder is protected while it is below C4.
        engagement, skill, safety: State in [0, 1].
        ties: Symmetric matrix of tie strengths in [0, 1].
        hours_*: Cumulative QIC hours spent, by activity.
    """

    def __init__(self, roles: list[Role], sites: list[int], homes: list[int]) -> None:
        n = len(roles)
        self.n = n
        self.role = np.array(roles, dtype=np.int64)
        self.organisation = np.array([ORGANISATION[r] for r in roles], dtype=np.int64)
        self.is_care = self.organisation == Organisation.CARE_HOME
        self.hierarchy = np.array([HIERARCHY[r] for r in roles], dtype=np.float64)
        self.site = np.array(sites, dtype=np.int64)
        self.home = np.array(homes, dtype=np.int64)
        self.contracted_hours = np.zeros(n)
        self.workload_share = np.zeros(n)
        self.member = np.zeros(n, dtype=bool)
        self.outside = np.zeros(n, dtype=bool)
        self.protection_draw = np.ones(n)
        self.engagement = np.zeros(n)
        self.skill = np.zeros(n)
        self.safety = np.zeros(n)
        self.ties = np.zeros((n, n))
        self.hours_meetings = np.zeros(n)
        self.hours_events = np.zeros(n)
        self.hours_projects = np.zeros(n)
        self.hours_measurement = np.zeros(n)
        self.hours_protected_paid = np.zeros(n)
        self.leavers = np.zeros(n, dtype=np.int64)
        self.agents: list[StaffMember | None] = [None] * n


class StaffMember(mesa.Agent):
    """One person holding a staff post.

    Fixed attributes (role, organisation, site, home) are plain; changing state is read
    from and written to the model's :class:`StaffTable` row of this agent's slot.

    Args:
        model: The model.
        slot: Row of the staff table this person occupies.
    """

    def __init__(self, model: QICModel, slot: int) -> None:
        super().__init__(model)
        table = model.staff
        self.slot = slot
        self.role = Role(int(table.role[slot]))
        self.organisation = Organisation(int(table.organisation[slot]))
        self.hierarchy = int(table.hierarchy[slot])
        self.site = int(table.site[slot])
        self.home = int(table.home[slot])
        table.agents[slot] = self

    @property
    def member(self) -> bool:
        """Whether this person is in the QIC team."""
        return bool(self.model.staff.member[self.slot])

    @property
    def engagement(self) -> float:
        """Engagement with the QIC, 0-1."""
        return float(self.model.staff.engagement[self.slot])

    @property
    def skill(self) -> float:
        """QI skill or confidence, 0-1."""
        return float(self.model.staff.skill[self.slot])

    @property
    def safety(self) -> float:
        """Psychological safety (willingness to speak up), 0-1."""
        return float(self.model.staff.safety[self.slot])

    @property
    def contracted_hours(self) -> float:
        """Contracted hours a week."""
        return float(self.model.staff.contracted_hours[self.slot])

    @property
    def protected(self) -> bool:
        """Whether this person's QIC time is protected and paid this week (C4)."""
        return bool(self.model.protected_now[self.slot])

    @property
    def qic_hours(self) -> float:
        """QIC hours available this week (process 1)."""
        return float(self.model.qic_hours[self.slot])

    def ties(self) -> dict[int, float]:
        """Tie strengths to other current staff, keyed by their ``unique_id``."""
        row = self.model.staff.ties[self.slot]
        agents = self.model.staff.agents
        return {agents[j].unique_id: float(row[j]) for j in np.flatnonzero(row > 0)}
