"""Keyed randomness: every draw of a run is addressed by (seed, stream, week, entity, position).

A run's uniforms come from NumPy's counter-based Philox generator (Philox4x64-10, Salmon et al.
2011, "Parallel random numbers: as easy as 1, 2, 3"). Its key is derived from the run's seed
(``SeedSequence(seed)``); its counter is set, for each draw, to (position, entity, week, stream):

- ``stream`` names the place in the model that draws (:class:`Draw`), so that a change in one
  process (a context switched) leaves every other process's draws where they were (common random
  numbers between conditions);
- ``week`` is the week of the run, so that a draw does not depend on how many were made before it;
- ``entity`` says whose draw it is where one stream draws for many (a site's meeting, a project's
  week of work, an idea in planning); ``position`` runs 0, 1, ... within it.

So a draw depends on the run's seed and its own address only: not on the draws made before it, nor
on the other runs that a batch advances side by side (issue 20, the batched engine). Philox is a
vetted generator (it passes the BigCrush tests), and it is NumPy's own: ``uniforms`` is its
``Generator.random`` started at the address.

Draws other than uniforms are transforms of uniforms written here (:func:`normal`,
:func:`poisson`, :func:`pick`, :func:`smallest`), the same arithmetic whatever the number of
draws, rather than NumPy's samplers, which consume a varying number of uniforms.
"""

from __future__ import annotations

import ctypes
from enum import IntEnum
from typing import Any

import numpy as np


class Draw(IntEnum):
    """The streams: each place in the model that draws, numbered for the counter.

    The numbers are part of every result: never renumber one; a new stream takes a new number.
    """

    SETUP = 1
    """The world at set-up: a sequence (:meth:`KeyedDraws.sequence`), set-up runs once."""
    EVENT_HELD = 2
    """One per scheduled learning event: a site holds it while the draw is below its C9 intensity."""
    TIME_HONOURED = 3
    """One per post a week: protected time honoured (C4)."""
    TURNOVER_LEAVE = 4
    """One per post a week: the holder leaves."""
    NEW_HOLDER = 5
    """Three per leaver a week: a new holder's workload share (two, for a normal) and protection draw."""
    INVITE = 6
    """Two per candidate in a meeting week: invited, accepts."""
    MEETING_VENUE = 7
    """Two per site meeting: held in a care home (C8), which home hosts it."""
    MEETING_ATTEND = 8
    """One per member of the site at a meeting."""
    MEETING_VOICE = 9
    """One per attendee of a site meeting: voices an idea."""
    MEETING_IDEA = 10
    """Three per idea voiced at a meeting (entity: the voicer): the home, whether it fits, the topic."""
    PLANNING = 11
    """Eight per idea that reaches planning (entity: the idea's number in the run): see ``planning.IdeaDraws``."""
    EVENT_ATTEND = 12
    """One per post at a learning event."""
    EVENT_TIE_COUNT = 13
    """One per attendee of a learning event: how many ties they form (Poisson)."""
    EVENT_TIE_PICK = 14
    """One per attendee from another site (entity: the attendee): whom they form ties with."""
    EVENT_PLAN = 15
    """One per home at a learning event: it leaves with a plan (``structure.project_start``)."""
    EVENT_PLAN_IDEA = 16
    """Two per home that plans at an event (entity: the home): whether it fits, the topic."""
    MANAGER_START = 17
    """One per manager post a week: the manager chooses a topic."""
    MANAGER_TOPIC = 18
    """One per manager who chooses (entity: the post): the topic."""
    SESSION_CREDIT = 19
    """One per home, once: where its facilitator's caseload starts (spreads the first sessions)."""
    SESSION_ATTEND = 20
    """One per post of a home with a facilitator session (entity: the home)."""
    SESSION_VOICE = 21
    """One per attendee of a session (entity: the home): voices an idea."""
    SESSION_IDEA = 22
    """Three per idea voiced at a session (entity: the voicer): the home, whether it fits, the topic."""
    SESSION_START = 23
    """Two per session (entity: the home): the facilitator helps start a project, and its topic."""
    SESSION_UNSTICK = 24
    """One per stalled project of a home with a session (entity: the project)."""
    SPREAD = 25
    """One per improvement in place and adopter who knows its home, a week."""
    PROJECT_WEEK = 26
    """Five per project a week (position: project x 5, see ``projects.WeekDraw``)."""
    RECRUIT = 27
    """Per project a week that lacks a discipline (entity: the project): three per role, then two."""
    SUSTAIN = 28
    """Per improvement in place a week: a take-over if it has no champion, then its lapse."""
    PROBLEMS = 29
    """One per home a week: its new problems (Poisson)."""


class KeyedDraws:
    """The uniforms of one run, each at its address (module docstring).

    Moving a Philox generator to an address through its public ``state`` costs about 3 us, more
    than the rest of a typical process; so the counter is written in place, through the state
    struct NumPy exposes (``Philox.ctypes.state_address``: a pointer to the counter, one to the
    key, then the buffer position). Set-up checks that writing there moves the generator exactly
    as the public ``state`` does; if a NumPy release laid the struct out otherwise, every draw
    goes through ``state`` instead (the same numbers, slower).

    Args:
        seed: The run's seed; None for a fresh, unreproducible key.
    """

    def __init__(self, seed: int | None) -> None:
        self._build(np.random.SeedSequence(seed).generate_state(2, np.uint64))

    def __reduce__(self) -> tuple[Any, ...]:
        """Copied and pickled as its key: every draw sets the whole state, so the key is all it holds."""
        return _from_key, (self.key,)

    def _build(self, key: np.ndarray) -> None:
        """The generator for a key, moved to an address in place where that is safe (:meth:`_in_place`)."""
        self.key = key
        self._bits = np.random.Philox(key=self.key)
        self._generator = np.random.Generator(self._bits)
        self._state: dict[str, Any] = self._bits.state
        self._counter: np.ndarray = self._state["state"]["counter"]
        self._buffer_pos: ctypes.c_int | None = None
        self._in_place()

    def _in_place(self) -> None:
        """Write the counter in place from now on, if that moves the generator as ``state`` does."""
        address = self._bits.ctypes.state_address
        counter_at = ctypes.c_void_p.from_address(address).value
        if not counter_at:
            return
        counter = np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(counter_at))
        buffer_pos = ctypes.c_int.from_address(address + 2 * ctypes.sizeof(ctypes.c_void_p))
        counter[:] = (0, 1, 2, Draw.SETUP)
        buffer_pos.value = 4
        state = self._bits.state
        expected = self._generator.random(5)
        self._start(Draw.SETUP, 2, 1)  # through the public state
        if (state["state"]["counter"].tolist() == [0, 1, 2, Draw.SETUP] and state["buffer_pos"] == 4
                and np.array_equal(self._generator.random(5), expected)):
            self._counter, self._buffer_pos = counter, buffer_pos

    def _start(self, draw: Draw, week: int, entity: int) -> np.random.Generator:
        """The generator, its next uniform the first at the address."""
        counter = self._counter
        counter[0] = 0
        counter[1] = entity
        counter[2] = week
        counter[3] = draw
        if self._buffer_pos is not None:
            self._buffer_pos.value = 4  # nothing buffered: the next output is the block at the counter + 1
        else:
            self._state["buffer_pos"] = 4
            self._state["has_uint32"] = 0
            self._bits.state = self._state
        return self._generator

    def uniforms(self, draw: Draw, week: int, entity: int, n: int) -> np.ndarray:
        """Uniforms on [0, 1) at positions 0..n-1 of an address (position i is the same whatever n)."""
        return self._start(draw, week, entity).random(n)

    def uniform(self, draw: Draw, week: int, entity: int) -> float:
        """The uniform at position 0 of an address."""
        return self._start(draw, week, entity).random()

    def sequence(self, draw: Draw) -> np.random.Generator:
        """A generator of its own for a stream drawn once, in order (set-up), with NumPy's samplers."""
        bits = np.random.Philox(key=self.key, counter=np.array([0, 0, 0, draw], dtype=np.uint64))
        return np.random.Generator(bits)


def _from_key(key: np.ndarray) -> KeyedDraws:
    """A run's draws rebuilt from its key (unpickling, copying)."""
    draws = KeyedDraws.__new__(KeyedDraws)
    draws._build(key)
    return draws


def normal(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Standard normals from pairs of uniforms (Box-Muller): ``sqrt(-2 ln(1 - u1)) cos(2 pi u2)``."""
    return np.sqrt(-2.0 * np.log1p(-first)) * np.cos(2.0 * np.pi * second)


def poisson(draws: np.ndarray, mean: np.ndarray | float) -> np.ndarray:
    """Poisson counts by inversion: the least k whose cumulative probability exceeds the draw.

    One uniform per count, whatever the count (NumPy's sampler takes a varying number). For the
    small means the model draws (a home's new problems a week, ties at an event): the loop runs once
    per count value up to the largest drawn.
    """
    draws = np.asarray(draws, dtype=float)
    mean = np.broadcast_to(np.asarray(mean, dtype=float), draws.shape)
    count = np.zeros(draws.shape, dtype=np.int64)
    term = np.exp(-mean)  # P(K = k), from k = 0
    below = term.copy()  # P(K <= k)
    more = draws >= below
    grows = np.empty(draws.shape, dtype=bool)
    k = 0
    # In place, and ``logical_or.reduce`` for any(): on a few dozen elements each call's overhead is the cost.
    while np.logical_or.reduce(more, axis=None):
        k += 1
        np.multiply(term, mean, out=term)
        term /= k
        below += term
        count += more
        # Stop where the sum no longer grows (its rounding): the tail's mass is below the draws' spacing.
        more &= np.greater_equal(draws, below, out=grows)
        more &= np.greater(term, 0.0, out=grows)
    return count


def pick(draw: float, n: int) -> int:
    """An index among n with equal chances, from one uniform."""
    return int(draw * n)


def smallest(draws: np.ndarray, k: int) -> np.ndarray:
    """Positions of the k smallest draws, smallest first: k of them chosen without replacement, at random."""
    return np.argsort(draws, kind="stable")[:k]
