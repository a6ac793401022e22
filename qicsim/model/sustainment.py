"""Process 9: implemented improvements are sustained or lapse, mainly after support ends."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from qicsim.model import prevention, turnover
from qicsim.model.draws import Draw
from qicsim.model.project import Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.project import Project


def update_sustainment(model: QICModel) -> None:
    """Each improvement in place may lapse; one that lasts long enough unsupported is sustained.

    Weekly lapse chance: ``lapse_per_week``, times ``support_lapse_share`` during support,
    times ``1 - alignment_lapse_protection * alignment`` (C5: work that is part of routine
    lasts), times ``1 - data_confirmation_lapse_protection`` if data confirmed it works
    (perceived effectiveness), times ``champion_loss_lapse`` while the improvement has no
    champion (staff continuity; docs/evidence.md, section 1, sustainment themes). A champion
    who left can be replaced by another member of the home. Under the capability trap's full
    loop (``structure.trap = "full_loop"``) the hazard is then multiplied by ``1 +
    lapse_pressure x max(0, load - 1)`` at the home's load this week: an improvement in place
    lapses more easily when staff are stretched.

    The improvements are taken in creation order, each drawing first a take-over draw if it has
    no champion, then its lapse draw: the week's draws are made at once (a take-over changes no
    other improvement's champion, so their number is known before any is used). The rest is a
    plain loop over the improvements, with what does not change once an improvement is in place
    worked out once for it (:func:`fixed_terms`): for a few dozen improvements that costs less
    than calls into NumPy.

    Under ``structure.prevention = by_topic`` it also gives each home the share of each kind of
    problem its improvements in place leave (``home_state.remaining``: the product of their topics'
    rate ratios, :mod:`qicsim.model.prevention`), which process 10 reads.
    """
    in_place = model.home_state.in_place
    projects = model.open.in_place
    if not projects:
        in_place[:] = 0.0
        if model.home_state.remaining is not None:
            model.home_state.remaining[:] = 1.0
        return
    projects = list(projects)  # a lapse leaves the list only at the week's end
    params = model.params
    share = params.support_lapse_share if model.supported else None
    # Each home's load under the full loop (for the hazard's multiplier), else None.
    loads = None if model.structure.trap == "firefighting" else model.home_state.load.tolist()
    orphaned = [project for project in projects if project.champion < 0]
    draws = model.uniforms(Draw.SUSTAIN, len(projects) + len(orphaned)).tolist()
    fixed = _FIXED_TERMS.setdefault(model, {})
    week = model.week
    per_home = [0] * len(in_place)
    # Under structure.prevention = by_topic, the topics in place in each home (what they prevent: process 10).
    topics: list[list[int]] | None = None if model.home_state.remaining is None else [[] for _ in per_home]
    at = 0  # the next draw
    for project in projects:
        home = project.home
        terms = fixed.get(project.pid)
        if terms is None:
            terms = fixed[project.pid] = fixed_terms(model, project)
        hazard, sustained_from = terms
        if share is not None:
            hazard *= share
        if project.champion < 0:
            if not take_over(model, project, draws[at]):
                hazard *= params.champion_loss_lapse
            at += 1
        if loads is not None and loads[home] > 1.0:  # else the multiplier is 1
            factor = 1.0 + params.lapse_pressure * (loads[home] - 1.0)
            if factor > 1.0:
                before = 1.0 if hazard > 1.0 else hazard
                hazard *= factor
                model.counts.add("lapse_hazard_from_load", home, (1.0 if hazard > 1.0 else hazard) - before)
        # A draw lies in [0, 1): below the hazard exactly when below the hazard capped at 1.
        if draws[at] < hazard:
            model.open.move(project, Stage.ABANDONED, week)
            model.counts.add("lapses", home)
        else:
            if week >= sustained_from and project.stage == Stage.IMPLEMENTED:
                model.open.move(project, Stage.SUSTAINED, week)
            per_home[home] += 1
            if topics is not None:
                topics[home].append(project.topic)
        at += 1
    in_place[:] = per_home
    if topics is not None:
        state = model.home_state
        for home, in_home in enumerate(topics):
            state.remaining[home] = prevention.remaining_by_kind(state.rate_ratios, in_home)


_FIXED_TERMS: weakref.WeakKeyDictionary[QICModel, dict[int, tuple[float, int]]] = weakref.WeakKeyDictionary()
"""Each model's :func:`fixed_terms` of its improvements in place, by project (``pid``)."""


def fixed_terms(model: QICModel, project: Project) -> tuple[float, int]:
    """What sustainment reads of an improvement in place that does not change while it stays in place.

    Returns:
        Its lapse hazard from alignment and data confirmation (before support, champion and load),
        and the first week in which it counts as sustained: in week w it has been unsupported
        ``w + 1 - max(implemented, support weeks)`` weeks.
    """
    params = model.params
    hazard = params.lapse_per_week * (1.0 - params.alignment_lapse_protection * project.alignment)
    if project.data_confirmed:
        hazard *= 1.0 - params.data_confirmation_lapse_protection
    implemented = project.week_implemented
    support = model.support_weeks
    return hazard, (implemented if implemented > support else support) + params.sustain_weeks - 1


def take_over(model: QICModel, project: Project, draw: float) -> bool:
    """A member of the home may take over an improvement without a champion (with its take-over draw).

    Returns:
        Whether someone took it over.
    """
    champion = turnover.take_over(model, project.home, draw)
    if champion < 0:
        return False
    project.champion = champion
    project.champion_holder = int(model.staff.holder[champion])
    model.counts.add("champion_takeovers", project.home)
    return True
