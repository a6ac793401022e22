"""Invariants that hold for any contexts, seed and (small) structure, checked week by week.

- nothing negative: hours, counts, weekly series, outcome counts;
- projects move only along ``ALLOWED_TRANSITIONS`` and their weeks agree with their stages;
- per-home counts add up to per-site and per-run counts (outcomes and mechanism counts);
- staff posts and Mesa agents stay consistent through turnover.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import qicsim
from qicsim.model import QICModel
from qicsim.model.contexts import CONTEXT_NAMES, INITIAL_ONLY, site_names
from qicsim.model.counters import COUNT_INDEX, COUNT_NAMES
from qicsim.model.outcomes import COUNT_OUTCOME_NAMES, outcome_rows, unit_counts
from qicsim.model.project import ALLOWED_TRANSITIONS, IN_PLACE, Stage
from qicsim.model.roles import Role
from qicsim.model.series import SERIES_NAMES
from qicsim.model.staff import StaffMember
from qicsim.run.runner import mechanism_table, model_kwargs

SHARES = ("measured_share", "share_led_care_home", "share_led_gp", "care_home_attendance_share",
          "sustained_share", "homes_with_implementation_share")
STAFF_NONNEGATIVE = ("contracted_hours", "workload_share", "hours_meetings", "hours_events",
                     "hours_projects", "hours_measurement", "hours_protected_paid", "hours_protected_used",
                     "leavers", "demand", "available", "protected_offered", "protected_used", "qic_hours",
                     "hours_left", "project_hours", "meeting_cost", "attendances", "event_attendances",
                     "induction_left", "weeks_in_post")
STAFF_UNIT = ("engagement", "skill", "safety", "understanding", "network_use", "measurement_belief")
HOME_NONNEGATIVE = ("load", "uncovered", "problems", "in_place", "facilitator_hours")
HOME_UNIT = ("data_capability", "alignment_practice", "uncovered")
SERIES = {name: i for i, name in enumerate(SERIES_NAMES)}


# --- strategies --------------------------------------------------------------------------

intensity = st.floats(0.0, 1.0, allow_nan=False, allow_infinity=False)


@st.composite
def context_setting(draw: st.DrawFn, sites: list[str], total_weeks: int, schedulable: bool = True) -> Any:
    """A bare intensity, or a full setting with per-site values and (if allowed) a schedule."""
    if draw(st.booleans()):
        return draw(intensity)
    step = st.fixed_dictionaries({"week": st.integers(0, total_weeks - 1), "intensity": intensity,
                                  "site": st.none() | st.sampled_from(sites)})
    return {"intensity": draw(intensity),
            "sites": draw(st.dictionaries(st.sampled_from(sites), intensity, max_size=2)),
            "schedule": draw(st.lists(step, max_size=2 if schedulable else 0))}


@st.composite
def model_settings(draw: st.DrawFn) -> dict[str, Any]:
    homes = draw(st.lists(st.integers(1, 6), min_size=1, max_size=4))
    collaborative = draw(st.integers(1, 30))
    follow_up = draw(st.integers(0, 12))
    sites = site_names(len(homes))
    total = collaborative + follow_up
    return {
        "seed": draw(st.integers(0, 2**32 - 1)),
        "contexts": {name: draw(context_setting(sites, total, name not in INITIAL_ONLY)) for name in CONTEXT_NAMES},
        "homes_per_site": homes,
        "collaborative_weeks": collaborative,
        "follow_up_weeks": follow_up,
        "learning_event_weeks": sorted(draw(st.lists(st.integers(0, collaborative - 1), min_size=1, max_size=3,
                                                     unique=True))),
        "meeting_interval_weeks": draw(st.integers(1, 4)),
        "members_per_home": draw(st.integers(1, 4)),
        # A few rates, so that short runs still see implementation, sustainment and turnover.
        "project_effort_hours": draw(st.floats(2.0, 20.0)),
        "setup_weeks_max": draw(st.floats(0.0, 3.0)),
        "sustain_weeks": draw(st.integers(1, 8)),
        "care_turnover_per_year": draw(st.sampled_from([0.0, 0.3, 0.9])),
        "nhs_turnover_per_year": draw(st.sampled_from([0.0, 0.1, 0.9])),
    }


# --- the checks --------------------------------------------------------------------------

@dataclass(repr=False)
class Watcher:
    """Follows a model week by week and checks every invariant."""

    model: QICModel
    roles: np.ndarray = field(init=False)
    homes: np.ndarray = field(init=False)
    sites: np.ndarray = field(init=False)
    uids: list[int] = field(init=False)
    holders: list[int] = field(init=False)
    seen_holders: set[int] = field(init=False)
    leavers: np.ndarray = field(init=False)
    histories: list[list[Stage]] = field(default_factory=list)

    def __post_init__(self) -> None:
        staff = self.model.staff
        self.roles, self.homes, self.sites = staff.role.copy(), staff.home.copy(), staff.site.copy()
        self.uids = [a.unique_id for a in staff.agents]
        self.holders = staff.holder.tolist()
        self.seen_holders = set(self.holders)
        self.leavers = staff.leavers.copy()
        self.check_week()

    def check_week(self) -> None:
        self.check_staff()
        self.check_nonnegative()
        self.check_projects()

    # staff posts and agents
    def check_staff(self) -> None:
        model, staff = self.model, self.model.staff
        n = staff.n
        assert len(staff.agents) == n
        for name in ("role", "home", "site", "member", "engagement", "skill", "safety", "leavers"):
            assert len(getattr(staff, name)) == n, name
        np.testing.assert_array_equal(staff.role, self.roles)
        np.testing.assert_array_equal(staff.home, self.homes)
        np.testing.assert_array_equal(staff.site, self.sites)
        live = [a for a in model.agents if isinstance(a, StaffMember)]
        assert len(live) == n
        live_ids = {a.unique_id for a in live}
        uids = [a.unique_id for a in staff.agents]
        assert len(set(uids)) == n, "two posts share an agent"
        assert set(uids) == live_ids, "a post's agent is not a live agent of the model"
        assert uids == self.uids, "a post's agent changed (one agent per post for the whole run)"
        holders = staff.holder.tolist()
        assert len(set(holders)) == n, "two posts share a holder"
        assert max(holders) < staff.holders_seen  # holders are numbered as they arrive
        for slot, agent in enumerate(staff.agents):
            assert agent.slot == slot and agent.model is model
            assert agent.role == Role(int(staff.role[slot]))
            assert agent.home == staff.home[slot] and agent.site == staff.site[slot]
        left = staff.leavers - self.leavers
        assert (left >= 0).all()
        for slot in range(n):
            if left[slot]:
                assert holders[slot] not in self.seen_holders, f"slot {slot}: leaver not replaced by a new holder"
            else:
                assert holders[slot] == self.holders[slot], f"slot {slot}: holder changed without a leaver"
        self.seen_holders.update(holders)
        self.holders, self.leavers = holders, staff.leavers.copy()
        assert model.counts.total("leavers") == staff.leavers.sum()
        member = staff.member
        assert not (member & ~staff.team_post).any(), "a member holds a post outside the team"
        assert not (member & staff.outside).any()
        assert not (member & ~staff.ever_member).any()
        assert not (staff.qic_hours[staff.induction_left > 0] > 0).any(), "QIC time during induction"
        # The time budget: nothing spent that was not there.
        assert (staff.hours_left <= staff.qic_hours + 1e-9).all()
        assert (staff.protected_used <= staff.protected_offered + 1e-9).all()
        assert (staff.protected_used <= staff.available + 1e-9).all()
        assert (staff.available <= staff.contracted_hours + model.params.protected_hours + 1e-9).all()
        assert not (staff.qic_hours[~member] > 0).any(), "a non-member has QIC hours"
        assert (staff.hours_protected_used <= staff.hours_protected_paid + 1e-9).all()

    def check_nonnegative(self) -> None:
        model, staff = self.model, self.model.staff
        for name in STAFF_NONNEGATIVE:
            assert (getattr(staff, name) >= 0).all(), f"staff.{name} negative"
        for name in STAFF_UNIT:
            values = getattr(staff, name)
            assert ((values >= 0) & (values <= 1 + 1e-12)).all(), f"staff.{name} outside [0, 1]"
        homes = model.home_state
        for name in HOME_NONNEGATIVE:
            assert (getattr(homes, name) >= 0).all(), f"home_state.{name} negative"
        for name in HOME_UNIT:
            values = getattr(homes, name)
            assert ((values >= 0) & (values <= 1 + 1e-12)).all(), f"home_state.{name} outside [0, 1]"
        ties = staff.ties.dense()
        np.testing.assert_array_equal(ties, ties.T)
        assert not np.diagonal(ties).any()
        assert ((ties >= 0) & (ties <= 1 + 1e-12)).all(), "ties outside [0, 1]"
        for site in range(model.n_sites):  # the blocks hold exactly the ties within a site
            inside = staff.site == site
            np.testing.assert_array_equal(staff.ties.blocks[site], ties[np.ix_(inside, inside)])
        counts = model.counts.values
        bad = np.argwhere(counts < 0)
        assert not len(bad), f"negative count {COUNT_NAMES[bad[0][0]]}"
        assert (model.series.values >= 0).all()
        assert not model.series.values[model.week:].any(), "series recorded for a future week"

    def check_projects(self) -> None:
        model = self.model
        n = model.staff.n
        for i, pr in enumerate(model.projects):
            h = pr.history
            assert pr.pid == i
            assert h[:2] == [Stage.IDEA, Stage.PLANNED] and h[-1] == pr.stage
            for move in itertools.pairwise(h):
                assert move in ALLOWED_TRANSITIONS, f"project {i}: {move}"
            if i < len(self.histories):
                assert h[: len(self.histories[i])] == self.histories[i], "history rewritten"
            assert (pr.week_implemented >= 0) == (Stage.IMPLEMENTED in h)
            assert (pr.week_ended >= 0) == (Stage.ABANDONED in h)
            assert 0 <= pr.week_created < model.week
            if pr.week_implemented >= 0:
                assert pr.week_created <= pr.week_implemented < model.week
            if pr.week_ended >= 0:
                assert pr.week_created <= pr.week_ended < model.week
                assert pr.week_implemented <= pr.week_ended
            if pr.stage == Stage.SUSTAINED:
                assert model.week >= max(pr.week_implemented, model.support_weeks) + model.params.sustain_weeks
            assert 0 <= pr.decisions_on_data <= pr.measured_cycles <= pr.cycles
            assert not pr.data_confirmed or pr.decisions_on_data > 0
            assert pr.n_chunks >= 1 and 0 <= pr.chunks_done <= pr.n_chunks
            assert (pr.chunks_done == pr.n_chunks) == (Stage.IMPLEMENTED in h)
            assert pr.effort_hours > 0 and pr.progress >= 0
            assert -1 <= pr.champion < n
            if pr.champion >= 0 and (pr.active or pr.in_place):
                assert model.staff.member[pr.champion], f"project {i}: champion is not a member"
                assert pr.champion_holder == model.staff.holder[pr.champion]
            if pr.active:
                assert all(model.staff.member[s] for s in pr.helpers)
        self.histories = [list(pr.history) for pr in model.projects]
        self.check_open_projects()

    def check_open_projects(self) -> None:
        """The lists and running counts of open projects equal what the projects say."""
        model = self.model
        live = model.open
        projects = model.projects
        assert [p.pid for p in live.active] == [p.pid for p in projects if p.active], "active list"
        assert [p.pid for p in live.in_place] == [p.pid for p in projects if p.in_place], "in-place list"
        for home in range(len(model.homes)):
            mine = [p for p in projects if p.home == home and (p.active or p.in_place)]
            assert [p.pid for p in live.at_home[home]] == [p.pid for p in mine], f"home {home}: open list"
            assert live.active_at_home[home] == sum(p.active for p in mine), f"home {home}: active count"
            topics = [sum(p.topic == t for p in mine) for t in range(len(live.open_topic[home]))]
            assert live.open_topic[home] == topics, f"home {home}: open topics"

    # sums (checked at a few points; they cost more)
    def check_sums(self) -> None:
        model = self.model
        n_homes = len(model.homes)
        per_unit = unit_counts(model)
        assert (per_unit >= 0).all()
        run, homes, sites = outcome_rows(model)
        for table in (homes, sites, [run]):
            for row in table:
                for name in (*COUNT_OUTCOME_NAMES, "homes_with_implementation", "members_end_of_support"):
                    assert row.get(name, 0) >= 0, name
                for name in SHARES:
                    if name in row and not np.isnan(row[name]):
                        assert 0 <= row[name] <= 1, name
        for row in homes:
            np.testing.assert_allclose([row[c] for c in COUNT_OUTCOME_NAMES], per_unit[row["home"]])
        site_totals = []
        for site, row in zip(model.sites, sites, strict=True):
            assert row["site"] == site.name
            own_homes = [r for r in homes if r["site"] == site.name]
            assert [r["home"] for r in own_homes] == site.homes
            own = [np.array([r[c] for c in COUNT_OUTCOME_NAMES]) for r in own_homes]
            expected = np.sum(own, axis=0) + per_unit[n_homes + site.index]
            values = np.array([row[c] for c in COUNT_OUTCOME_NAMES])
            np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-9)
            assert row["homes_with_implementation"] == sum(r["implemented"] > 0 for r in own_homes)
            site_totals.append(values)
        np.testing.assert_allclose([run[c] for c in COUNT_OUTCOME_NAMES], np.sum(site_totals, axis=0),
                                   rtol=1e-12, atol=1e-9)
        assert run["homes_with_implementation"] == sum(r["homes_with_implementation"] for r in sites)

        # Mechanism counts: a site's = its homes + its NHS unit; the run's = the sum of sites.
        counts = model.counts.values
        by_site = np.array([counts[:, [*s.homes, n_homes + s.index]].sum(axis=1) for s in model.sites])
        np.testing.assert_allclose(by_site.sum(axis=0), counts.sum(axis=1))
        np.testing.assert_allclose(by_site.sum(axis=0), [model.counts.total(c) for c in COUNT_NAMES])
        table = mechanism_table(model, {"replication": 0, "seed": 0})
        grouped = table.groupby(["site", "mechanism"])["value"].sum()
        for s in model.sites:
            for c, name in enumerate(COUNT_NAMES):
                assert grouped[(s.name, name)] == pytest.approx(by_site[s.index, c])

        # Counts that can be recomputed from the projects and the staff table.
        projects = model.projects
        assert run["projects_started"] == len(projects)
        assert run["implemented"] == sum(p.week_implemented >= 0 for p in projects)
        assert run["pdsa_cycles"] == sum(p.cycles for p in projects)
        assert run["measured_cycles"] == sum(p.measured_cycles for p in projects)
        assert run["in_place_end"] == sum(p.stage in IN_PLACE for p in projects)
        total = model.counts.total
        assert total("chunks_completed") == sum(p.chunks_done for p in projects)
        assert total("chunks_completed") + total("chunks_failed") == sum(p.cycles for p in projects)
        assert total("measured_cycles") == run["measured_cycles"]
        assert total("decisions_on_data") == sum(p.decisions_on_data for p in projects) == run["decisions_on_data"]
        assert total("measurement_hours") == pytest.approx(model.staff.hours_measurement.sum())
        assert total("protected_hours_paid") == pytest.approx(model.staff.hours_protected_paid.sum())
        assert total("protected_hours_used") + total("protected_hours_withdrawn") == pytest.approx(
            total("protected_hours_paid"))
        # Every week's counts add up to the run's (the weekly series of mechanism counts).
        np.testing.assert_allclose(model.counts.weekly.sum(axis=(0, 2)), counts.sum(axis=1), atol=1e-6)
        assert total("lapses") == sum(Stage.IMPLEMENTED in p.history and p.stage == Stage.ABANDONED
                                      for p in projects)
        assert run["attendances_care_home"] + run["attendances_nhs"] == model.staff.attendances.sum()
        assert run["event_attendances"] == total("event_attendances") == model.staff.event_attendances.sum()
        if model.week:
            last = model.series.values[model.week - 1]
            for s in model.sites:
                mine = [p for p in projects if p.site == s.index]
                assert last[s.index, SERIES["implemented"]] == sum(p.week_implemented >= 0 for p in mine)
                assert last[s.index, SERIES["in_place"]] == sum(p.in_place for p in mine)
                assert last[s.index, SERIES["pdsa_cycles"]] == sum(p.cycles for p in mine)
                members = model.staff.member & (model.staff.site == s.index)
                assert last[s.index, SERIES["members"]] == members.sum()


def follow(model: QICModel, checkpoints: set[int]) -> Watcher:
    """Step a model to its end, checking every week and summing at the checkpoints."""
    watcher = Watcher(model)
    while model.running:
        model.step()
        watcher.check_week()
        if model.week in checkpoints:
            watcher.check_sums()
    watcher.check_sums()
    week = model.week
    model.step()  # past the end: nothing happens
    assert model.week == week == model.total_weeks
    return watcher


# --- tests -------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_settings())
def test_invariants_hold_week_by_week(kwargs: dict[str, Any]) -> None:
    model = QICModel(**kwargs)
    s = model.support_weeks
    follow(model, {1, s // 2, s, s + 1, model.total_weeks // 2})
    stages = {stage for p in model.projects for stage in p.history}
    event(f"implemented: {Stage.IMPLEMENTED in stages}, sustained: {Stage.SUSTAINED in stages}")
    event(f"turnover: {bool(model.staff.leavers.any())}")


@pytest.mark.parametrize("scenario", ["peach", "all_contexts", "no_contexts"])
def test_invariants_hold_in_full_scenarios(scenario: str) -> None:
    """The shipped scenarios at full size and length (sustainment and turnover play out)."""
    model = QICModel(seed=7, **model_kwargs(qicsim.scenario_config(scenario)))
    follow(model, set(range(0, model.total_weeks, 26)))
    assert model.staff.leavers.sum() > 0, "guard: turnover happened"
    if scenario != "no_contexts":
        assert any(p.stage == Stage.SUSTAINED for p in model.projects), "guard: sustainment happened"
        assert any(Stage.IMPLEMENTED in p.history and p.stage == Stage.ABANDONED for p in model.projects)


def test_watcher_catches_a_broken_invariant() -> None:
    """The checks can fail: a project forced back a stage, running counts out of step, a negative count."""
    model = QICModel(seed=3, homes_per_site=[3, 3], contexts={"protected_time": 1.0, "qi_coaching": 1.0})
    watcher = Watcher(model)
    while not any(p.stage == Stage.TESTING for p in model.projects):
        model.step()
    watcher.check_week()
    project = next(p for p in model.projects if p.stage == Stage.TESTING)
    project.history.append(Stage.PLANNED)
    project.stage = Stage.PLANNED
    with pytest.raises(AssertionError):
        watcher.check_projects()
    project.history.pop()
    project.stage = Stage.TESTING
    model.open.active_at_home[project.home] += 1  # a running count out of step with the projects
    with pytest.raises(AssertionError, match="active count"):
        watcher.check_open_projects()
    model.open.active_at_home[project.home] -= 1
    model.open.open_topic[project.home][project.topic] -= 1
    with pytest.raises(AssertionError, match="open topics"):
        watcher.check_open_projects()
    model.open.open_topic[project.home][project.topic] += 1
    watcher.check_open_projects()
    model.counts.values[COUNT_INDEX["meetings_held"], -1] = -1.0
    with pytest.raises(AssertionError, match="negative count meetings_held"):
        watcher.check_nonnegative()


def test_no_project_is_started_or_active_after_support_ends() -> None:
    """Teams disband when support ends: nothing new starts and nothing is left half done.

    (Regression: a learning event in week collaborative_weeks used to spread projects that
    started after close_unfinished and ran on through follow-up.)
    """
    kwargs = model_kwargs(qicsim.scenario_config("peach"))
    for seed in range(4):
        model = QICModel(seed=seed, **kwargs)
        while model.running:
            model.step()
            if model.week >= model.support_weeks:
                late = [p.pid for p in model.projects if p.week_created >= model.support_weeks or p.active]
                assert not late, f"seed {seed}, week {model.week}: projects {late} after support ended"


def test_ties_and_counts_stay_in_range_for_allowed_tie_parameters() -> None:
    model = QICModel(seed=1, homes_per_site=[3, 3], collaborative_weeks=10, follow_up_weeks=0,
                     meeting_interval_weeks=1, learning_event_weeks=[0, 5], tie_gain=1.0, hierarchy_tie_boost=10.0,
                     contexts={"hierarchy_reduction": 1.0, "protected_time": 1.0})
    model.run()
    ties = model.staff.ties.dense()
    assert ties.min() >= 0 and ties.max() <= 1
    assert model.counts.values.min() >= 0
