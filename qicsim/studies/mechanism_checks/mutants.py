"""Mutants of the contexts' mechanisms: the model with one mechanism broken, for checking the checks.

A mechanism test that no broken mechanism can fail tests nothing. Each mutant here breaks one
context's mechanism by monkeypatching, in the process that runs the model (a worker applies
it around its runs and removes it after, :func:`applied`); the mutation suite
(:mod:`qicsim.studies.mechanism_checks.mutations`) runs each through the battery of
mechanism checks and shows which checks catch it.

Three mutants per context act on what its readers (``ContextInfo.read_by``, the only functions
that read it) see of it. While a reader runs, ``QICModel.context(<the context>)`` returns,
instead of the intensity ``x`` set for the site and week:

- **bypass**: a fixed intensity whatever the setting: the scenario's own value for that site
  and week (PEACH's), so the mechanism still acts but no longer follows its context. For a
  context the scenario leaves at 0 everywhere (C10, data support) that would be the deletion
  mutant, so its bypass holds it at 1 (the mechanism always at full strength);
- **reversal**: ``1 - x``: the mechanism acts against its context;
- **deletion**: 0: every context-driven change of the mechanism is removed (each reader's
  gain, chance or hours is proportional to the intensity or compares a draw with it).

Extra named mutants (the sceptical review of issue 19) break one path of a mechanism:

- **C9 without cross-site ties at events**: learning events are held, recognise and teach
  their attendees, but form no ties between sites (the draws are made as before);
- **C5 direct path**: a new project's alignment is lifted by ``DIRECT_GATE x C5`` of its gap
  to 1 directly from the context, around the homes' alignment practice (C5's mediator): a
  second path that carries part of C5's effect.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any
from unittest import mock

import numpy as np

from qicsim.config.schema import contexts_as_plain
from qicsim.model import QICModel, alignment, events
from qicsim.model.contexts import BY_NAME, CONTEXT_INDEX, CONTEXTS, resolve_intensities
from qicsim.run.api import scenario_config

MODES = ("bypass", "reversal", "deletion")
DIRECT_GATE = 0.5
"""Strength of the C5 direct-path mutant: the share of a new project's gap to full alignment that
the context closes directly (chosen so that the direct path carries about a quarter of C5's
effect on the sustained share, as the review's mutant did)."""


@dataclass(frozen=True)
class Mutant:
    """A broken mechanism.

    Attributes:
        name: Its name in the mutation table (``C4 bypass``).
        context: The context whose mechanism it breaks (its checks are the ones to catch it).
        kind: ``bypass``, ``reversal``, ``deletion``, or ``path`` for a named extra.
        meaning: One line for the table.
        patches: Builds the patches, given the scenario: (owner, attribute, replacement) triples.
    """

    name: str
    context: str
    kind: str
    meaning: str
    patches: Callable[[str], list[tuple[Any, str, Any]]]


@cache
def scenario_intensities(scenario: str, n_sites: int, total_weeks: int) -> np.ndarray:
    """The scenario's own intensities, (context, site, week), for a model of this shape."""
    return resolve_intensities(contexts_as_plain(scenario_config(scenario).contexts), n_sites, total_weeks)


class ContextSeen:
    """What the readers of one context see of it under a mutant.

    Wraps ``QICModel.context`` (the one accessor) so that, while one of the context's readers
    is running, a read of that context returns ``mode``'s value; every other read is as before.

    Args:
        context: Context name.
        mode: One of :data:`MODES`.
        scenario: The scenario whose values a bypass holds.
    """

    def __init__(self, context: str, mode: str, scenario: str) -> None:
        self.context, self.mode, self.scenario = context, mode, scenario
        self.row = CONTEXT_INDEX[context]
        self.inside = 0  # depth of reader calls in progress
        self.original = QICModel.context

    def patches(self) -> list[tuple[Any, str, Any]]:
        """The accessor and each declared reader, wrapped."""
        out: list[tuple[Any, str, Any]] = [(QICModel, "context", self.accessor())]
        for reader in BY_NAME[self.context].read_by:
            module_name, function = reader.split(".")
            module = importlib.import_module(f"qicsim.model.{module_name}")
            out.append((module, function, self.reader(getattr(module, function))))
        return out

    def reader(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """A reader that marks itself running, so that the accessor knows who reads."""
        @functools.wraps(function)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            self.inside += 1
            try:
                return function(*args, **kwargs)
            finally:
                self.inside -= 1
        return wrapped

    def accessor(self) -> Callable[..., Any]:
        """``QICModel.context`` with this context's reads changed inside its readers."""
        original, seen = self.original, self

        def context(model: QICModel, name: str, site: int | None = None, *, week: int | None = None) -> Any:
            value = original(model, name, site, week=week)
            if name != seen.context or not seen.inside:
                return value
            return seen.value(model, value, site, model.week if week is None else week)
        return context

    def value(self, model: QICModel, value: Any, site: int | None, week: int) -> Any:
        """What the reader sees instead of ``value`` (a float for one site, else one per site)."""
        if self.mode == "reversal":
            return 1.0 - value
        if self.mode == "deletion":
            return value * 0.0
        row = scenario_intensities(self.scenario, model.n_sites, model.total_weeks)[self.row]
        if not row.any():
            row = np.ones_like(row)  # the scenario leaves it at 0: bypass at full strength
        return row[:, week].copy() if site is None else float(row[site, week])


def _reader_mutant(context: str, mode: str) -> Callable[[str], list[tuple[Any, str, Any]]]:
    def patches(scenario: str) -> list[tuple[Any, str, Any]]:
        return ContextSeen(context, mode, scenario).patches()
    return patches


def _events_without_ties(scenario: str) -> list[tuple[Any, str, Any]]:
    """C9's events form no ties across sites (draws are keyed: skipping them moves no other draw)."""
    def form_ties(model: QICModel, att: np.ndarray) -> None:
        return None
    return [(events, "form_ties", form_ties)]


def _c5_direct_path(scenario: str) -> list[tuple[Any, str, Any]]:
    """A new project's alignment lifted directly by C5, around the homes' alignment practice."""
    original = alignment.project_alignment

    def project_alignment(model: QICModel, home: int, fit: bool) -> float:
        value = original(model, home, fit)
        direct = DIRECT_GATE * model.context("alignment", int(model.home_state.site[home]))
        return value + direct * (1.0 - value)
    return [(alignment, "project_alignment", project_alignment)]


MEANINGS = {
    "bypass": "its readers see a fixed intensity (PEACH's; 1 for C10) whatever the setting",
    "reversal": "its readers see 1 - intensity",
    "deletion": "its readers see 0: no context-driven change",
}

MUTANTS: dict[str, Mutant] = {
    **{f"{info.code} {mode}": Mutant(f"{info.code} {mode}", info.name, mode, MEANINGS[mode],
                                     _reader_mutant(info.name, mode))
       for info in CONTEXTS for mode in MODES},
    "C9 no event ties": Mutant("C9 no event ties", "learning_events", "path",
                               "events form no cross-site ties (recognition and skill kept)", _events_without_ties),
    "C5 direct path": Mutant("C5 direct path", "alignment", "path",
                             f"C5 also lifts a new project's alignment directly ({DIRECT_GATE:g} x C5 of its gap)",
                             _c5_direct_path),
}
"""Every mutant by name: three per context (C1 bypass ... C10 deletion), then the review's two."""


@contextmanager
def applied(mutant: str | None, scenario: str = "peach") -> Iterator[None]:
    """Apply a mutant (by name, so that it can be sent to a worker) for the duration; None applies nothing."""
    if mutant is None:
        yield
        return
    with ExitStack() as stack:
        for owner, attribute, replacement in MUTANTS[mutant].patches(scenario):
            stack.enter_context(mock.patch.object(owner, attribute, replacement))
        yield
