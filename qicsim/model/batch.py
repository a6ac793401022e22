"""Replications in lockstep: the state of R runs with a leading replication axis (issue 20).

A :class:`Batch` advances R replications of one structure a week at a time. A process written for
the batch acts once on arrays of shape (R, n): one NumPy call serves every replication, which is
where a single run's time goes (per-call overhead on arrays of a few hundred elements, not
arithmetic). The processes not yet written for the batch run replication by replication, in the
week's order. Both kinds see one state: each replication's tables hold row views of the batch's
arrays (:data:`STAFF_COLUMNS`, :data:`HOME_COLUMNS` and the event counts).

A replication's draws are keyed by its own seed (:mod:`qicsim.model.draws`), so its run does not
depend on the batch it is in. Every :class:`~qicsim.model.model.QICModel` steps through a batch
of one, and a batch of 256 gives each replication the same run, bit for bit
(``tests/test_batch.py``).

What the batched processes read per replication (its contexts, its draws, its parameters) they
read through each replication's own accessors (``model.context``, ``model.uniforms``,
``model.params``), so that a patched accessor (a mutant of
:mod:`qicsim.studies.mechanism_checks.mutants`) acts in a batch as it does in one run.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np

from qicsim.model import problems, workload
from qicsim.model.counters import COUNT_INDEX
from qicsim.model.draws import Draw

if TYPE_CHECKING:
    from qicsim.model.model import QICModel

STAFF_COLUMNS = (
    "contracted_hours", "workload_share", "load_index", "unit", "site", "member", "induction_left",
    "protection_target", "protection_draw", "engagement", "demand", "available", "protected_used",
    "protected_offered", "qic_hours", "hours_left", "hours_protected_paid", "hours_protected_used")
"""Staff columns (one element per post) the batched processes read or write: (R, posts) in a batch."""

STAFF_HOME_COLUMNS = ("hours_per_home",)
"""Staff-table columns with one element per home: (R, homes) in a batch."""

HOME_COLUMNS = (
    "beds", "post_load", "uncovered", "care_demand", "problems", "problem_inflow", "reference_problems",
    "in_place", "post_slack", "workarounds")
"""Home-table columns the batched processes read or write: (R, homes) in a batch (``post_*``: homes + 1)."""

HOME_VIEWS = {"load": "post_load", "qi_slack": "post_slack"}
"""Home-table columns that are views of the first ``homes`` elements of another."""


class Batch:
    """R replications of one structure, advanced a week at a time in lockstep.

    Args:
        models: The replications, each set up and at the same week (none stepped alone since
            it was built, or all in the same batch). A model joins one batch for its life.

    Attributes:
        models: The replications, in order.
        size: R.
        staff: Staff columns (:data:`STAFF_COLUMNS`), shape (R, width), each replication's posts first
            and zeros after them (a replication may have fewer posts: residential homes have no nurses).
        homes: Home columns (:data:`HOME_COLUMNS` and ``hours_per_home``), shape (R, homes) or (R, homes + 1).
        counts: Every replication's event counts, shape (R, counts, units).
        valid: Which of the ``width`` posts of each replication exist, shape (R, width).

    Raises:
        ValueError: For no models, models of different structures or weeks, or a model already in a batch.
    """

    def __init__(self, models: Sequence[QICModel]) -> None:
        if not models:
            raise ValueError("a batch needs at least one replication")
        first = models[0]
        for model in models:
            if model.structure != first.structure or model.week != first.week:
                raise ValueError("a batch holds replications of one structure, all at the same week")
            if getattr(model, "batch", None) is not None:
                raise ValueError("a model runs in one batch for its life")
        self.models = list(models)
        self.size = len(self.models)
        self.structure = first.structure
        self.n_homes = first.home_state.n
        self.n_sites = first.n_sites
        posts = np.array([model.staff.n for model in self.models])
        self.width = int(posts.max())
        self.valid = np.arange(self.width) < posts[:, None]
        # Every post exists (a batch of one, or no nurse-less homes): whole arrays stand for their posts.
        self.all_valid = bool(self.valid.all())
        self.staff = SimpleNamespace()  # each column an array with a leading replication axis
        self.homes = SimpleNamespace()
        self._link()
        rows = np.arange(self.size)[:, None]
        # Indices into the flattened (R, homes + 1) loads and (R, sites) contexts: each post's own.
        self.flat_load_index = self.staff.load_index + rows * (self.n_homes + 1)
        self.flat_site = self.staff.site + rows * self.n_sites
        self._params: dict[str, Any] = {}
        self._post_units: dict[str, np.ndarray] = {}  # add_per_post's flat indices, by count
        for model in self.models:
            model.batch = self

    def _link(self) -> None:
        """Make the batch's arrays and point each replication's columns at its row of them.

        A batch of one views its model's own arrays (nothing is copied). A larger batch copies
        each model's columns into its rows and gives the model views of them; from then on
        nothing may rebind those columns (``check_linked``).
        """
        models, size = self.models, self.size
        for name in STAFF_COLUMNS:
            self.staff.__dict__[name] = self._stacked([m.staff for m in models], name, self.width)
        for name in STAFF_HOME_COLUMNS:
            self.homes.__dict__[name] = self._stacked([m.staff for m in models], name, self.n_homes)
        for name in HOME_COLUMNS:
            width = len(getattr(models[0].home_state, name))
            self.homes.__dict__[name] = self._stacked([m.home_state for m in models], name, width)
        for model in models:
            for view, of in HOME_VIEWS.items():
                setattr(model.home_state, view, getattr(model.home_state, of)[:self.n_homes])
        for view, of in HOME_VIEWS.items():
            self.homes.__dict__[view] = self.homes.__dict__[of][:, :self.n_homes]
        if size == 1:
            self.counts = models[0].counts.values[None]
        else:
            self.counts = np.stack([m.counts.values for m in models])
            for i, model in enumerate(models):
                model.counts.values = self.counts[i]
                model.counts._make_views()
        self.counts_flat = self.counts.reshape(-1)

    def _stacked(self, tables: list[Any], name: str, width: int) -> np.ndarray:
        """One column of every replication as rows of one array; each table then holds a view of its row."""
        if self.size == 1:
            return getattr(tables[0], name)[None]
        first = getattr(tables[0], name)
        stacked = np.zeros((self.size, width), dtype=first.dtype)
        for i, table in enumerate(tables):
            column = getattr(table, name)
            stacked[i, :len(column)] = column
            setattr(table, name, stacked[i, :len(column)])
        return stacked

    def check_linked(self) -> None:
        """Raise AssertionError unless every replication's batched columns still view the batch's rows."""
        staff, homes = vars(self.staff), vars(self.homes)
        for i, model in enumerate(self.models):
            pairs = [(getattr(model.staff, n), staff[n]) for n in STAFF_COLUMNS]
            pairs += [(getattr(model.staff, n), homes[n]) for n in STAFF_HOME_COLUMNS]
            pairs += [(getattr(model.home_state, n), homes[n]) for n in (*HOME_COLUMNS, *HOME_VIEWS)]
            pairs.append((model.counts.values, self.counts))
            for column, batched in pairs:
                if not np.shares_memory(column, batched[i]):
                    raise AssertionError(f"replication {i}: a column no longer views the batch's row")

    # --- what each replication reads, gathered ------------------------------------------------
    def param(self, name: str) -> Any:
        """A parameter: its one value if every replication has it, else a column of shape (R, 1)."""
        if name not in self._params:
            values = [getattr(model.params, name) for model in self.models]
            self._params[name] = values[0] if all(v == values[0] for v in values) else np.array(values)[:, None]
        return self._params[name]

    def each(self, values: Sequence[float]) -> Any:
        """Per-replication scalars as one value (all equal) or a column of shape (R, 1)."""
        return values[0] if all(v == values[0] for v in values) else np.array(values, dtype=float)[:, None]

    def context(self, name: str) -> np.ndarray:
        """This week's intensity of a context at each site, shape (R, sites), from each ``model.context``.

        A pass-through accessor: the batched process that calls it names the context, so that it is
        the reader (:func:`qicsim.apps.paramdocs.context_readers`).
        """
        if self.size == 1:
            return self.models[0].context(name)[None]
        return np.stack([model.context(name) for model in self.models])

    def per_post(self, per_site: np.ndarray) -> np.ndarray:
        """A value per site, shape (R, sites), at each post's site: shape (R, width)."""
        return per_site.reshape(-1)[self.flat_site]

    def uniforms(self, draw: Draw, widths: Sequence[int] | int, fill: float = 1.0) -> np.ndarray:
        """This week's uniforms of a stream, each replication's row from its own keyed draws (``model.uniforms``).

        Args:
            draw: The stream.
            widths: How many each replication draws (one number: the same for all, and the row width).
            fill: The value after a replication's last draw.
        """
        if self.size == 1:
            n = widths if isinstance(widths, int) else widths[0]
            return self.models[0].uniforms(draw, n)[None]
        if isinstance(widths, int):
            return np.stack([model.uniforms(draw, widths) for model in self.models])
        out = np.full((self.size, max(widths)), fill)
        for row, model, n in zip(out, self.models, widths, strict=True):
            row[:n] = model.uniforms(draw, n)
        return out

    def add_per_post(self, name: str, amounts: np.ndarray) -> None:
        """Add each existing post's amount to a count on its unit, post by post (as ``Counters.add_many``)."""
        units = self._post_units.get(name)
        if units is None:  # each count's flat indices, made once
            n_counts, n_units = self.counts.shape[1:]
            rows = np.arange(self.size)[:, None] * (n_counts * n_units)
            units = self._post_units[name] = self.existing(self.staff.unit + rows + COUNT_INDEX[name] * n_units)
        np.add.at(self.counts_flat, units, self.existing(amounts))

    def existing(self, per_post: np.ndarray) -> np.ndarray:
        """The elements of the posts that exist, replication by replication, in slot order (one dimension)."""
        return per_post.reshape(-1) if self.all_valid else per_post[self.valid]

    def add_per_home(self, name: str, amounts: np.ndarray) -> None:
        """Add one amount per home of each replication to a count (as ``Counters.add_homes``)."""
        self.counts[:, COUNT_INDEX[name], :self.n_homes] += amounts

    # --- the week -------------------------------------------------------------------------
    def step(self) -> None:
        """Advance every replication one week: processes 1-10 of docs/ODD.md section 3, in order.

        Batched processes run once for the batch; between them, each replication runs the
        others in turn (replications share nothing, so the order among them does not matter).
        """
        models = self.models
        if models[0].week >= models[0].total_weeks:
            for model in models:
                model.running = False
            return
        for model in models:
            model._this_week.clear()
        workload.update_time(self)  # 1
        for model in models:
            model.step_social_to_trap()  # 2-9
        problems.update_problems(self)  # 10
        for model in models:
            model.close_week()

    def own_batch(self) -> Batch:
        """The batch itself: a batched process takes a batch, or a model (its batch of one), alike."""
        return self

    def run(self) -> Batch:
        """Run every remaining week."""
        while self.models[0].week < self.models[0].total_weeks:
            self.step()
        for model in self.models:
            model.running = False
        return self


