"""What a set of replications gives back: one result type, whether its tables are in memory or on disk.

A run held in memory (:func:`qicsim.run.runner.simulate`) holds every table. A run streamed
to disk (:func:`qicsim.run.stream.stream_tables`: the command, ``qicsim.run(output=...)``)
holds the runs table (for the summary) and the figure's band, and reads any other table from
its folder's Parquet file the first time it is asked for. The attributes give the same tables
either way (``tests/test_hardening.py``, ``tests/test_evaluator.py``).

The figure's band has one computation, :class:`Band`: counts of the values of a whole-number
weekly series, from which its quantiles over replications are exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from qicsim.model.counters import COUNT_NAMES

TABLES = ("runs", "homes", "sites", "projects", "weekly", "mechanisms", "mechanisms_weekly")
BAND_MEASURE = "implemented"


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """A table as pandas, whole-number columns with gaps kept whole (``Int64``), as the runner makes them."""
    frame = table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
    for column in frame.columns:  # back to plain int64 where nothing is missing, as pandas makes it
        if isinstance(frame[column].dtype, pd.Int64Dtype) and not frame[column].isna().any():
            frame[column] = frame[column].astype("int64")
    return frame


class Band:
    """Exact quantiles over replications of a whole-number weekly series, from counts of its values.

    ``counts[site, week, v]`` is how many replications had the value ``v``: memory depends on
    sites, weeks and the largest value, not on the number of replications.
    """

    def __init__(self) -> None:
        self.counts = np.zeros((0, 0, 1), dtype=np.int64)
        self.sites: list[str] = []
        self.n = 0

    @classmethod
    def of(cls, weekly: pd.DataFrame) -> Band:
        """The band of a weekly table of several replications, counted one replication at a time."""
        band = cls()
        for _, rows in weekly.groupby("replication", sort=False):
            band.add(rows)
        return band

    def add(self, weekly: pd.DataFrame) -> None:
        """Count one replication's series (its rows of ``weekly`` for the measure)."""
        rows = weekly[weekly["measure"] == BAND_MEASURE]
        values = rows["value"].to_numpy()
        if not np.all(values == np.round(values)):
            raise ValueError(f"{BAND_MEASURE} is not a whole-number series")  # a count, by construction
        sites = sorted(rows["site"].unique())
        site_index = {s: i for i, s in enumerate(sites)}
        weeks = int(rows["week"].max()) + 1
        top = int(values.max()) + 1
        if self.n == 0:
            self.sites = sites
            self.counts = np.zeros((len(sites), weeks, top), dtype=np.int64)
        elif top > self.counts.shape[2]:
            self.counts = np.pad(self.counts, ((0, 0), (0, 0), (0, top - self.counts.shape[2])))
        s = rows["site"].map(site_index).to_numpy()
        np.add.at(self.counts, (s, rows["week"].to_numpy(dtype=int), values.astype(int)), 1)
        self.n += 1

    def quantile(self, q: float) -> np.ndarray:
        """The q-quantile (numpy's default, linear) for every site and week: shape (sites, weeks)."""
        below = np.cumsum(self.counts, axis=2)  # values <= v

        def order_statistic(i: int) -> np.ndarray:  # the i-th smallest value, 0-based
            return np.argmax(below > i, axis=2)

        position = q * (self.n - 1)
        lo, frac = int(np.floor(position)), position - np.floor(position)
        low = order_statistic(lo)
        high = order_statistic(min(lo + 1, self.n - 1))
        return low + frac * (high - low)

    def stats(self, quantiles: tuple[float, ...]) -> pd.DataFrame:
        """Long table ``site, week`` with one column per quantile, as the figure draws it."""
        weeks = self.counts.shape[1]
        index = pd.MultiIndex.from_product([self.sites, range(weeks)], names=["site", "week"])
        return pd.DataFrame({q: self.quantile(q).ravel() for q in quantiles}, index=index)


class Results:
    """The tables of a set of replications, and what produced them.

    Args:
        tables: The tables held in memory, by name (at least ``runs``).
        config: The validated config as a plain dict.
        folder: The result folder to read the other tables from (a streamed run), or None.
        band: The figure's band, if it was counted as the replications ran.
        provenance: Versions, seeds and command (filled by the writer).

    Attributes:
        runs, homes, sites, projects, weekly, mechanisms, mechanisms_weekly: The tables (see each).
        band: The figure's band (:class:`Band`) of the implemented series.
        config: The validated config as a plain dict.
        folder: Where the tables are on disk, or None.
        provenance: Versions, seeds and command (filled by the writer).
    """

    TABLES = TABLES

    def __init__(self, tables: Mapping[str, pd.DataFrame], config: dict[str, Any], *, folder: Path | None = None,
                 band: Band | None = None, provenance: dict[str, Any] | None = None) -> None:
        self._tables = dict(tables)
        self._band = band
        self.config = config
        self.folder = folder
        self.provenance = provenance if provenance is not None else {}

    def __repr__(self) -> str:
        where = f"in {self.folder}" if self.folder is not None else "in memory"
        return f"Results(scenario={self.config.get('scenario')!r}, replications={len(self.runs)}, {where})"

    def table(self, name: str) -> pd.DataFrame:
        """A table by name: held, or read from the folder's Parquet file (then held)."""
        if name not in self._tables:
            if name not in TABLES or self.folder is None:
                raise KeyError(f"{name}: not a table of these results")
            import pyarrow.parquet as pq  # only results on disk need it (15 ms at start-up otherwise)

            self._tables[name] = arrow_to_pandas(pq.read_table(self.folder / f"{name}.parquet"))
        return self._tables[name]

    def held(self) -> Results:
        """These results with every table read into memory (returns itself)."""
        for name in TABLES:
            self.table(name)
        return self

    @property
    def runs(self) -> pd.DataFrame:
        """One row per replication: replication, seed and every run outcome."""
        return self.table("runs")

    @property
    def homes(self) -> pd.DataFrame:
        """One row per home per replication."""
        return self.table("homes")

    @property
    def sites(self) -> pd.DataFrame:
        """One row per site per replication."""
        return self.table("sites")

    @property
    def projects(self) -> pd.DataFrame:
        """One row per project per replication."""
        return self.table("projects")

    @property
    def weekly(self) -> pd.DataFrame:
        """Weekly series, long: replication, seed, week, site, measure, value."""
        return self.table("weekly")

    @property
    def mechanisms(self) -> pd.DataFrame:
        """Mechanism counts, long: replication, seed, site, unit, mechanism, value."""
        return self.table("mechanisms")

    @property
    def mechanisms_weekly(self) -> pd.DataFrame:
        """Each week's mechanism counts per site, long (rows only where a count moved)."""
        return self.table("mechanisms_weekly")

    @property
    def band(self) -> Band:
        """The figure's band: counted as the replications ran, or now from the weekly table."""
        if self._band is None:
            self._band = Band.of(self.weekly)
        return self._band

    def mechanism_totals(self) -> pd.DataFrame:
        """Mechanism counts summed over units: one row per replication, one column per count."""
        wide = self.mechanisms.pivot_table(index=["replication", "seed"], columns="mechanism",
                                           values="value", aggfunc="sum")
        return wide[list(COUNT_NAMES)].reset_index().rename_axis(columns=None)
