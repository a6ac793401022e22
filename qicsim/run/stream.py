"""Run replications straight to disk: memory stays flat in the number of replications.

Each table's rows are appended, a batch of replications at a time, as Parquet files in a
hidden parts folder; when the replications are done each table is joined into
``<table>.parquet`` and ``<table>.csv``, one part at a time. What stays in memory is the
runs table (one row per replication, for the summary) and, for the figure, a count of how
many replications had each number of implemented improvements at each site and week (from
which its quantiles are exact).

A part's column types can differ from another's (a column of whole numbers in one batch,
with a missing value, hence decimals, in the next): the parts' schemas are unified with
the same permissive promotion the sweep collector uses.
"""

from __future__ import annotations

import gc
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qicsim.config.schema import Config
from qicsim.run.folders import atomic_write
from qicsim.run.progress import progress_bar
from qicsim.run.runner import Results, replication_tables

BATCH = 50  # replications per part: a few MB of rows, few enough files
PARTS = ".parts"
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


@dataclass
class Streamed:
    """What a streamed run keeps in memory: the runs table, the config, and the figure's band.

    Attributes:
        runs: One row per replication (replication, seed, outcomes).
        config: The validated config as a plain dict.
        band: Counts of the implemented series, for the figure.
        provenance: Filled in by the writer.
    """

    runs: pd.DataFrame
    config: dict[str, Any]
    band: Band
    provenance: dict[str, Any] = field(default_factory=dict)


def replications(config: Config) -> Iterator[dict[str, pd.DataFrame]]:
    """Each replication's tables, in order, with a progress bar."""
    with progress_bar(config.run.replications, config.scenario) as bar:
        for tables in replication_tables(config):
            yield tables
            bar.update(1)


def stream_tables(config: Config, folder: Path, batch: int = BATCH) -> Streamed:
    """Run the replications, appending their rows to ``<folder>/.parts/`` a batch at a time.

    Args:
        config: A validated config.
        folder: The result folder (created if needed).
        batch: Replications per part file.

    Returns:
        The runs table, config and figure band; the tables are in the parts folder, to be
        joined by :func:`join_tables`.
    """
    parts = folder / PARTS
    shutil.rmtree(parts, ignore_errors=True)  # an interrupted run's parts must not join this one's
    parts.mkdir(parents=True)
    pending: dict[str, list[pd.DataFrame]] = {name: [] for name in Results.TABLES}
    runs: list[pd.DataFrame] = []
    band = Band()
    part = 0

    def flush() -> None:
        nonlocal part
        for name, frames in pending.items():
            if frames:
                table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
                pq.write_table(table, parts / f"{name}-{part:06d}.parquet")
                frames.clear()
        part += 1
        # A finished model is a cycle of references (Mesa's agents and their model point at each
        # other), freed only by the cycle collector, whose full passes are rare: collect with each
        # part, so that memory is bounded by a batch, not by the run (about 65 ms a part of 50).
        gc.collect()

    for i, tables in enumerate(replications(config)):
        for name, frame in tables.items():
            pending[name].append(frame)
        runs.append(tables["runs"])
        band.add(tables["weekly"])
        if (i + 1) % batch == 0:
            flush()
    flush()
    plain = asdict(config)
    plain.pop("sweep")  # a plain run's record: the sweep section does not change its results
    return Streamed(pd.concat(runs, ignore_index=True), plain, band)


def join_tables(folder: Path) -> list[Path]:
    """Join each table's parts into ``<table>.parquet`` and ``<table>.csv``, a part at a time; remove the parts.

    Returns:
        The files written.
    """
    parts = folder / PARTS
    written = []
    for name in Results.TABLES:
        files = sorted(parts.glob(f"{name}-*.parquet"))
        schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
        schema = schema.remove_metadata()

        def write_parquet(path: Path, files: list[Path] = files, schema: pa.Schema = schema) -> None:
            with pq.ParquetWriter(path, schema) as writer:
                for f in files:
                    writer.write_table(pq.read_table(f).replace_schema_metadata(None).cast(schema))

        def write_csv(path: Path, files: list[Path] = files, schema: pa.Schema = schema) -> None:
            with path.open("w", newline="") as out:
                for i, f in enumerate(files):
                    frame = arrow_to_pandas(pq.read_table(f).replace_schema_metadata(None).cast(schema))
                    frame.to_csv(out, index=False, header=i == 0)

        for suffix, write in ((".parquet", write_parquet), (".csv", write_csv)):
            path = folder / f"{name}{suffix}"
            atomic_write(path, write)
            written.append(path)
    shutil.rmtree(parts)
    return written


def load_results(folder: Path, config: dict[str, Any]) -> Results:
    """Every table of a result folder read back into memory (from its Parquet files)."""
    tables = {name: arrow_to_pandas(pq.read_table(folder / f"{name}.parquet")) for name in Results.TABLES}
    return Results(**tables, config=config)
