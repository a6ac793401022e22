"""Tie strengths between staff posts: a dense block per site, and a list of the ties across sites.

Almost every tie is between people of the same site (colleagues, the site team, partnerships
across the NHS-care home divide, co-attendance at local meetings); ties across sites form
only at learning events (C9), between attendees. So each site's ties are a dense square
block, all blocks held in one flat buffer, and ties across sites are a list of pairs with
their strengths. Memory and the cost of the weekly updates grow with the sum of the squared
site sizes and the number of cross-site ties, not with the square of all staff (a dense
matrix of 23,000 posts would take 4 GB).

A site's posts must be contiguous slots (``setup.build_world`` lays them out site by site).
Everything is symmetric and a post has no tie to itself.
"""

from __future__ import annotations

from functools import cached_property
from typing import NamedTuple

import numpy as np

_INITIAL_CAPACITY = 64  # cross-site ties; the storage doubles when full


class ColleagueLists(NamedTuple):
    """Each post's colleagues: a column per post, padded to the largest number of colleagues.

    Padding entries name the post itself (``valid`` False there) and its own (zero) tie. Posts
    are columns, read with ``take(slots, axis=1)``: its results are C-ordered (``[:, slots]``'s
    are not), so a reduction over a post's colleagues runs along long contiguous rows; over
    rows of a few elements numpy's per-row overhead costs more than the work.
    """

    other: np.ndarray  # slot of each colleague
    valid: np.ndarray  # False for padding
    tie: np.ndarray  # index in the flat buffer of the tie (post, colleague)
    back: np.ndarray  # index of the same tie seen from the colleague: (colleague, post)


class Ties:
    """Symmetric tie strengths in [0, 1] between the posts of a model.

    Args:
        site: Site of each slot, non-decreasing (a site's slots are contiguous).

    Attributes:
        n: Number of posts.
        start, size: First slot and number of slots of each site.
        blocks: One (size x size) array per site, views into one buffer; a post's index in
            its block is ``slot - start[site]``.
        colleague: The same layout, True where two posts work side by side (set up once).
        colleagues: The same flags as a list of each post's colleagues (:class:`ColleagueLists`).
    """

    def __init__(self, site: np.ndarray) -> None:
        site = np.asarray(site, dtype=np.int64)
        if len(site) and (np.diff(site) < 0).any():
            raise ValueError("a site's slots must be contiguous and sites in order")
        self.n = len(site)
        self.site = site
        n_sites = int(site.max()) + 1 if self.n else 0
        self.start = np.searchsorted(site, np.arange(n_sites))
        self.size = np.searchsorted(site, np.arange(n_sites), side="right") - self.start
        self.offset = np.concatenate([[0], np.cumsum(self.size**2)])  # of each block in the buffer
        self._flat = np.zeros(int(self.offset[-1]))
        self._colleague_flat = np.zeros(len(self._flat), dtype=bool)
        self.blocks = [self._block(self._flat, s) for s in range(n_sites)]
        self.colleague = [self._block(self._colleague_flat, s) for s in range(n_sites)]
        # Cross-site ties: pairs (a < b) with strengths, and each post's pairs.
        self._a = np.zeros(_INITIAL_CAPACITY, dtype=np.int64)
        self._b = np.zeros(_INITIAL_CAPACITY, dtype=np.int64)
        self._w = np.zeros(_INITIAL_CAPACITY)
        self.m = 0
        self._pair: dict[tuple[int, int], int] = {}
        self._pairs_of: list[list[int]] = [[] for _ in range(self.n)]

    def _block(self, flat: np.ndarray, s: int) -> np.ndarray:
        size = int(self.size[s])
        return flat[self.offset[s]: self.offset[s + 1]].reshape(size, size)

    def _flat_index(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Index in the flat buffer of the ties (a, b), a and b posts of the same site."""
        site = self.site[a]
        start = self.start[site]
        return self.offset[site] + (a - start) * self.size[site] + (b - start)

    @cached_property
    def colleagues(self) -> ColleagueLists:
        """Each post's colleagues as fixed-width columns, built from ``colleague`` on first use.

        The ``colleague`` blocks are set once with the world, before the first weekly step.
        Weekly updates of colleague ties then touch only those ties: a post has at most a
        home's worth of colleagues, far fewer than its site's posts.
        """
        flat = self._colleague_flat.nonzero()[0]  # block by block, row by row: posts in slot order
        site = np.searchsorted(self.offset, flat, side="right") - 1
        row, column = np.divmod(flat - self.offset[site], self.size[site])
        posts, others = self.start[site] + row, self.start[site] + column
        count = np.bincount(posts, minlength=self.n)
        width = int(count.max()) if self.n else 0
        rank = np.arange(len(posts)) - (np.cumsum(count) - count)[posts]  # among the post's colleagues
        own = np.repeat(np.arange(self.n)[None, :], width, axis=0)
        other = own.copy()
        other[rank, posts] = others
        valid = np.zeros((width, self.n), dtype=bool)
        valid[rank, posts] = True
        return ColleagueLists(other, valid, self._flat_index(own, other), self._flat_index(other, own))

    @cached_property
    def _colleague_ties(self) -> np.ndarray:
        """Indices in the flat buffer of the ties between colleagues (set once with the world)."""
        return self._colleague_flat.nonzero()[0]

    def local(self, slots: np.ndarray | int, site: int) -> np.ndarray | int:
        """Index of slots (all of one site) within their site's block."""
        return slots - int(self.start[site])

    # --- reading -------------------------------------------------------------------------

    def between(self, posts: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Each post's ties to other posts of its own site: ``others[i]`` are posts of ``posts[i]``'s site.

        Args:
            posts: Shape (k,).
            others: Shape (k, m).

        Returns:
            Shape (k, m): the tie (``posts[i]``, ``others[i, j]``); a post's tie to itself is 0.
        """
        site = self.site[posts]
        start = self.start[site]
        row = self.offset[site] + (posts - start) * self.size[site] - start  # the post's row, less its site's start
        return self._flat[row[:, None] + others]

    @property
    def cross(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Cross-site ties: slots ``a`` and ``b`` (a < b) and strengths ``w`` (views; 0 = gone)."""
        return self._a[: self.m], self._b[: self.m], self._w[: self.m]

    def cross_ties_of(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The cross-site ties of some posts of one site: (post, the other end, strength), strength > 0."""
        own: list[int] = []
        pairs: list[int] = []
        for slot in np.asarray(slots).tolist():
            mine = self._pairs_of[slot]
            if mine:
                own.extend([slot] * len(mine))
                pairs.extend(mine)
        if not pairs:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        own_array, pairs_array = np.array(own), np.array(pairs)
        other = self._a[pairs_array] + self._b[pairs_array] - own_array  # the end that is not ``own``
        w = self._w[pairs_array]
        keep = w > 0
        return own_array[keep], other[keep], w[keep]

    def strongest_from(self, sources: np.ndarray, site: int) -> np.ndarray:
        """Each post's strongest tie to any of ``sources`` (posts of one site): shape (n,).

        One read of the sources' rows of the site's block, and one pass over the list of
        cross-site ties (a tie across sites never joins two sources).
        """
        out = np.zeros(self.n)
        if not len(sources):
            return out
        lo = int(self.start[site])
        out[lo: lo + int(self.size[site])] = np.maximum.reduce(self.blocks[site][sources - lo], axis=0)
        if self.m:
            is_source = np.zeros(self.n, dtype=bool)
            is_source[sources] = True
            a, b, w = self.cross
            from_a = is_source[a]
            touching = from_a | is_source[b]
            if np.count_nonzero(touching):
                np.maximum.at(out, np.where(from_a, b, a)[touching], w[touching])
        return out

    def row(self, slot: int) -> np.ndarray:
        """One post's ties to every post: shape (n,)."""
        out = np.zeros(self.n)
        site = int(self.site[slot])
        lo = int(self.start[site])
        out[lo: lo + int(self.size[site])] = self.blocks[site][slot - lo]
        _, other, w = self.cross_ties_of(np.array([slot]))
        out[other] = w
        return out

    def dense(self) -> np.ndarray:
        """All ties as one (n x n) matrix (for tests, mediation and small models)."""
        out = np.zeros((self.n, self.n))
        for s, block in enumerate(self.blocks):
            lo, hi = int(self.start[s]), int(self.start[s] + self.size[s])
            out[lo:hi, lo:hi] = block
        a, b, w = self.cross
        out[a, b] = w
        out[b, a] = w
        return out

    # --- changing ------------------------------------------------------------------------

    def assign_dense(self, values: np.ndarray) -> None:
        """Set every tie from an (n x n) matrix (a held mediator); cross-site ties it names are created."""
        for s, block in enumerate(self.blocks):
            lo, hi = int(self.start[s]), int(self.start[s] + self.size[s])
            block[...] = values[lo:hi, lo:hi]
        a, b, _ = self.cross
        self._w[: self.m] = values[a, b]
        rows, cols = np.nonzero(np.triu(values, 1) * (self.site[:, None] != self.site[None, :]))
        for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
            if (i, j) not in self._pair:
                self._append(i, j, float(values[i, j]))

    def clear(self, slots: np.ndarray) -> None:
        """Remove every tie of some posts (their holders left)."""
        for slot in np.asarray(slots).tolist():
            site = int(self.site[slot])
            i = slot - int(self.start[site])
            block = self.blocks[site]
            block[i, :] = 0.0
            block[:, i] = 0.0
            pairs = self._pairs_of[slot]
            if pairs:
                self._w[pairs] = 0.0

    def fade(self, keep: float) -> None:
        """Every tie between posts that do not work side by side keeps ``keep`` of its strength."""
        # A plain product over the buffer, colleague ties put back: a quarter of the time of one
        # masked by ``where=``, and no second buffer of the buffer's size (148 MB at 2,900 homes).
        colleague_ties = self._colleague_ties
        kept = self._flat[colleague_ties]
        self._flat *= keep
        self._flat[colleague_ties] = kept
        self._w[: self.m] *= keep

    def raise_colleague_ties(self, slots: np.ndarray, level: np.ndarray) -> None:
        """Raise each post's ties to its colleagues to at least its ``level``.

        Where two of the posts are colleagues, their tie is raised to the larger of their two
        levels (it stays symmetric). No other tie changes.

        Args:
            slots: Posts, each at most once.
            level: One level per post.
        """
        lists = self.colleagues
        raised = np.zeros(self.n)
        raised[slots] = level
        colleague_level = raised[lists.other.take(slots, axis=1)]
        target = np.maximum(level, colleague_level) * lists.valid.take(slots, axis=1)  # padding: 0
        tie = lists.tie.take(slots, axis=1)
        new = np.maximum(self._flat[tie], target)  # padding: the post's own tie, 0, unchanged
        self._flat[tie] = new
        self._flat[lists.back.take(slots, axis=1)] = new

    def strongest_to_colleagues(self, slots: np.ndarray, among: np.ndarray) -> np.ndarray:
        """Each post's strongest tie to a colleague flagged in ``among`` (one flag per post), or 0.

        Args:
            slots: Posts.
            among: Flags, shape (n,).
        """
        lists = self.colleagues
        linked = among[lists.other.take(slots, axis=1)] & lists.valid.take(slots, axis=1)
        return np.maximum.reduce(self._flat[lists.tie.take(slots, axis=1)] * linked, axis=0, initial=0.0)

    def raise_cross(self, slot: int, others: np.ndarray, strength: float) -> int:
        """Raise ties of ``slot`` to posts of other sites to at least ``strength``.

        Returns:
            How many of those ties were below ``strength`` (new or strengthened).
        """
        raised = 0
        for other in np.asarray(others).tolist():
            key = (slot, other) if slot < other else (other, slot)
            index = self._pair.get(key)
            if index is None:
                self._append(*key, strength)
                raised += 1
            elif self._w[index] < strength:
                self._w[index] = strength
                raised += 1
        return raised

    def _append(self, a: int, b: int, strength: float) -> None:
        if self.m == len(self._w):
            self._a, self._b, self._w = (np.concatenate([x, np.zeros_like(x)]) for x in (self._a, self._b, self._w))
        index = self.m
        self._a[index], self._b[index], self._w[index] = a, b, strength
        self._pair[(a, b)] = index
        self._pairs_of[a].append(index)
        self._pairs_of[b].append(index)
        self.m += 1
