"""Process 9: implemented improvements are sustained or lapse, mainly after support ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qicsim.model import turnover
from qicsim.model.project import Stage

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


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
    lapses more easily when staff are stretched (:func:`load_multiplier`).
    """
    params = model.params
    rng = model.streams["sustainment"]
    in_place = model.home_state.in_place
    in_place[:] = 0.0
    # The same for every improvement this week (kept in the hazard's order of multiplication).
    confirmed = 1.0 - params.data_confirmation_lapse_protection
    supported = model.supported
    under_load = load_multiplier(model) if model.open.in_place else None
    for project in list(model.open.in_place):
        if project.champion < 0:
            champion = turnover.try_takeover(model, project.home, rng)
            if champion >= 0:
                project.champion = champion
                project.champion_holder = int(model.staff.holder[champion])
                model.counts.add("champion_takeovers", project.home)
        hazard = params.lapse_per_week * (1.0 - params.alignment_lapse_protection * project.alignment)
        if project.data_confirmed:
            hazard *= confirmed
        if supported:
            hazard *= params.support_lapse_share
        if project.champion < 0:
            hazard *= params.champion_loss_lapse
        if under_load is not None and under_load[project.home] > 1.0:
            before = min(1.0, hazard)
            hazard *= under_load[project.home]
            model.counts.add("lapse_hazard_from_load", project.home, min(1.0, hazard) - before)
        if rng.random() < min(1.0, hazard):
            model.open.move(project, Stage.ABANDONED, model.week)
            model.counts.add("lapses", project.home)
            continue
        unsupported = model.week + 1 - max(project.week_implemented, model.support_weeks)
        if project.stage == Stage.IMPLEMENTED and unsupported >= params.sustain_weeks:
            model.open.move(project, Stage.SUSTAINED, model.week)
        in_place[project.home] += 1


def load_multiplier(model: QICModel) -> list[float] | None:
    """Each home's lapse-hazard multiplier from its load, ``1 + lapse_pressure x max(0, load - 1)``.

    Returns:
        One multiplier per home under the capability trap's full loop (a list: it is read one
        improvement at a time); None under firefighting (the hazard ignores load).
    """
    if model.structure.trap == "firefighting":
        return None
    pressure = model.params.lapse_pressure
    return [1.0 + pressure * max(0.0, load - 1.0) for load in model.home_state.load.tolist()]
