"""Run replications straight to disk: memory stays flat in the number of replications.

Each table's rows are appended, a batch of replications at a time, as Parquet files in a
hidden parts folder; when the replications are done each table is joined into
``<table>.parquet`` and ``<table>.csv``, one part at a time. What stays in memory is the
runs table (one row per replication, for the summary) and, for the figure, a count of how
many replications had each number of implemented improvements at each site and week (from
which its quantiles are exact, :class:`qicsim.run.results.Band`). The results read any other
table from the folder when it is asked for.

A part's column types can differ from another's (a column of whole numbers in one batch,
with a missing value, hence decimals, in the next): the parts' schemas are unified with
the same permissive promotion the sweep collector uses.
"""

from __future__ import annotations

import gc
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qicsim.config.schema import Config
from qicsim.run.folders import PARTS, atomic_write
from qicsim.run.results import TABLES, Band, Results, arrow_to_pandas
from qicsim.run.runner import run_record, tables_of_replications

BATCH = 50  # replications per part: a few MB of rows, few enough files


def stream_tables(config: Config, folder: Path, batch: int = BATCH) -> Results:
    """Run the replications, appending their rows to ``<folder>/.parts/`` a batch at a time.

    Args:
        config: A validated config.
        folder: The result folder (created if needed).
        batch: Replications per part file.

    Returns:
        Results that hold the runs table and the figure's band and read the other tables from
        ``folder`` once :func:`join_tables` has joined the parts there.
    """
    parts = folder / PARTS
    shutil.rmtree(parts, ignore_errors=True)  # an interrupted run's parts must not join this one's
    parts.mkdir(parents=True)
    pending: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
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

    # Lockstep batches no larger than a part, so that memory stays bounded by a part.
    for i, tables in enumerate(tables_of_replications(config, batch_size=batch)):
        for name, frame in tables.items():
            pending[name].append(frame)
        runs.append(tables["runs"])
        band.add(tables["weekly"])
        if (i + 1) % batch == 0:
            flush()
    flush()
    return Results({"runs": pd.concat(runs, ignore_index=True)}, run_record(config), folder=folder, band=band)


def join_tables(folder: Path) -> dict[str, str]:
    """Join each table's parts into ``<table>.parquet`` and ``<table>.csv``, a part at a time; remove the parts.

    Returns:
        Each file written, by name, with the SHA-256 of the bytes written (for the provenance).
    """
    parts = folder / PARTS
    written: dict[str, str] = {}
    for name in TABLES:
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
            written[path.name] = atomic_write(path, write)
    shutil.rmtree(parts)
    return written


def load_results(folder: Path, config: dict[str, Any]) -> Results:
    """Every table of a result folder read back into memory (from its Parquet files)."""
    return Results({}, config, folder=folder).held()
