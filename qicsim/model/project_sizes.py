"""Projects of different sizes: the kind of change sets a project's effort and its least number of cycles.

A rival structure (``structure.project_sizes``, docs/ODD.md sections 4 and 7.4):

- ``one_size`` (the default): every project's effort is drawn around ``project_effort_hours``;
  nothing here draws or changes anything.
- ``by_kind``: a project is a *small test of change* (PROSPER's safety cross on the wall, a
  personalised walking frame: hours), a *process change* (PEACH's dietitian-led nutrition
  support: screening, training, care plans) or a *multidisciplinary review* (PEACH's MDT
  review meetings for residents at risk of deterioration, with a triage tool: tens of hours).
  A topic that needs ``multidisciplinary_review_needs`` (2) or more disciplines is a
  multidisciplinary review; on any other
  topic a project is a small test with chance ``small_test_share``, else a process change. A
  spread or an iteration is the same change as its parent, so it keeps the parent's kind.
  The kind sets the mean effort (the same lognormal spread and origin share as under
  ``one_size``) and the least number of chunks the plan is cut into; QI coaching (C6) still
  cuts the effort into chunks of the champion's chunk target, so skill still shrinks them.

Every idea in planning draws a uniform for its kind (whether or not it is used), and its effort
draw is the same under both structures: they stay on common random numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qicsim.model.project import ChangeKind
from qicsim.model.topics import TOPICS

if TYPE_CHECKING:
    from qicsim.model.model import QICModel
    from qicsim.model.parameters import Parameters

KIND_COUNTS: dict[ChangeKind, str] = {
    ChangeKind.SMALL_TEST: "projects_small_test",
    ChangeKind.PROCESS_CHANGE: "projects_process_change",
    ChangeKind.MULTIDISCIPLINARY_REVIEW: "projects_multidisciplinary_review",
}
"""The mechanism count of projects started, per kind (``counters.MECHANISM_COUNTS``)."""


def choose_kind(model: QICModel, home: int, topic: int, parent: int, draw: float) -> ChangeKind:
    """The kind of change a new project makes, counted on its home.

    ``one_size``: :attr:`ChangeKind.ONE_SIZE`, nothing counted. ``by_kind``: u is the idea's
    draw for its kind (planning draws it for every idea); the parent's kind for a spread or iteration
    (``parent >= 0``); else a multidisciplinary review if the topic needs at least
    ``multidisciplinary_review_needs`` disciplines, a small test of change if u <
    ``small_test_share``, a process change otherwise.

    Args:
        model: The model (reads ``structure.project_sizes``, the topic's needs, the parent project).
        home: Home the project is for (where the start is counted).
        topic: Topic index.
        parent: Project spread or iterated, or -1.
        draw: A uniform on [0, 1).
    """
    if model.structure.project_sizes == "one_size":
        return ChangeKind.ONE_SIZE
    params = model.params
    if parent >= 0:
        kind = model.projects[parent].kind
    elif len(TOPICS[topic].needs) >= params.multidisciplinary_review_needs:
        kind = ChangeKind.MULTIDISCIPLINARY_REVIEW
    elif draw < params.small_test_share:
        kind = ChangeKind.SMALL_TEST
    else:
        kind = ChangeKind.PROCESS_CHANGE
    model.counts.add(KIND_COUNTS[kind], home)
    return kind


MEAN_HOURS: dict[ChangeKind, str] = {
    ChangeKind.ONE_SIZE: "project_effort_hours",
    ChangeKind.SMALL_TEST: "small_test_hours",
    ChangeKind.PROCESS_CHANGE: "process_change_hours",
    ChangeKind.MULTIDISCIPLINARY_REVIEW: "multidisciplinary_review_hours",
}
"""The setting holding each kind's mean effort."""
LEAST_CHUNKS: dict[ChangeKind, str] = {
    ChangeKind.SMALL_TEST: "small_test_cycles",
    ChangeKind.PROCESS_CHANGE: "process_change_cycles",
    ChangeKind.MULTIDISCIPLINARY_REVIEW: "multidisciplinary_review_cycles",
}
"""The setting holding each kind's least number of chunks (one size: 1)."""


def mean_hours(params: Parameters, kind: ChangeKind) -> float:
    """Mean effort of a new project of a kind (``project_effort_hours`` for one size)."""
    return getattr(params, MEAN_HOURS[kind])


def least_chunks(params: Parameters, kind: ChangeKind) -> int:
    """Least number of chunks a plan of a kind is cut into (1 for one size)."""
    return 1 if kind == ChangeKind.ONE_SIZE else getattr(params, LEAST_CHUNKS[kind])


def effort_of(model: QICModel, kind: ChangeKind, drawn: float) -> float:
    """A project's effort in hours, from the one-size draw and its kind.

    ``drawn`` is ``project_effort_hours x origin share x LogNormal(-sigma^2 / 2, sigma)`` (the
    idea's draw in planning, :func:`qicsim.model.planning.start_project`); the kind rescales its
    mean: ``drawn x kind hours / project_effort_hours``, i.e. kind hours x origin share x the
    same lognormal factor. One size: ``drawn`` unchanged.
    """
    if kind == ChangeKind.ONE_SIZE:
        return drawn
    params = model.params
    return drawn * mean_hours(params, kind) / params.project_effort_hours


def chunks(model: QICModel, kind: ChangeKind, effort: float, chunk_target: float) -> int:
    """Chunks in the plan: ``max(least chunks of the kind, ceil(effort / chunk_target))``.

    ``chunk_target`` is the champion's (C6, :func:`qicsim.model.coaching.chunk_target`): more QI
    skill, smaller chunks, more of them; the kind only sets the floor (1 for one size).
    """
    return max(least_chunks(model.params, kind), math.ceil(effort / chunk_target))
