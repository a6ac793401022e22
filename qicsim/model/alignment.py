"""C5, improvements aligned with existing work and priorities: each home's alignment practice.

A home's ``alignment_practice`` (0-1) is how far its QIC work is deliberately fitted to its
routine and priorities. It grows when the home's staff attend a local meeting (the team
checks that ideas fit roles and priorities: ``alignment_practice_gain x C5`` of the gap to
1) and fades by ``alignment_practice_decay`` a week. It sets which ideas are taken up
and how aligned a new project is: ``base_alignment + (1 - base_alignment) x practice`` for a
priority topic, times ``unaligned_fit`` otherwise. An idea outside the home's priorities is
refitted to one of them (the team reshapes it to the home's existing work) with chance
``alignment_filter x practice``. Alignment then lets routine work absorb
effort (``day_job_share``) and protects an improvement from lapsing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from qicsim.model.model import QICModel


def practise(model: QICModel, site: int, attendees: np.ndarray) -> None:
    """Homes whose staff attended the meeting strengthen their alignment practice (C5)."""
    table = model.staff
    # The homes in ascending order, each once (np.unique sorts; a bincount is cheaper here).
    homes = np.bincount(table.home[attendees[table.is_care[attendees]]], minlength=model.home_state.n).nonzero()[0]
    if not len(homes):
        return
    practice = model.home_state.alignment_practice
    before = practice[homes]  # read once: the homes are different
    gain = model.params.alignment_practice_gain * model.context("alignment", site) * (1.0 - before)
    practice[homes] = before + gain
    model.counts.add_many("alignment_practice_gained", homes, gain)


def fade(model: QICModel) -> None:
    """Alignment practice fades a little every week."""
    model.home_state.alignment_practice *= 1.0 - model.params.alignment_practice_decay


def refit_probability(model: QICModel, home: int, fit: bool) -> float:
    """Chance an idea outside the home's priorities is reshaped to fit one of them."""
    if fit:
        return 0.0
    return model.params.alignment_filter * model.home_state.alignment_practice.item(home)


def project_alignment(model: QICModel, home: int, fit: bool) -> float:
    """Alignment of a new project with the home's routine work, 0-1."""
    params = model.params
    practice = model.home_state.alignment_practice.item(home)
    aligned = params.base_alignment + (1.0 - params.base_alignment) * practice
    return aligned if fit else aligned * params.unaligned_fit
