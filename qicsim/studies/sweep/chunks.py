"""Chunk files: one Parquet file per job, holding every replication of the job's points.

A chunk is written to a temporary name and renamed into place, with a ``qicsim`` metadata
entry (fingerprint, job, points, rows, and a SHA-256 digest of its values). A chunk counts
as done only if it reads back, its values match the digest, and its metadata and rows are
this sweep's: a corrupt or foreign file is reported and its points run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from qicsim.run.folders import atomic_write
from qicsim.run.runner import point_seed

CHUNK_FOLDER = "chunks"
METADATA_KEY = b"qicsim"


class ChunkProblem(Exception):
    """A chunk file that exists but cannot be used (corrupt, foreign or incomplete)."""


@dataclass(frozen=True)
class Expected:
    """What a job's chunk must hold."""

    fingerprint: str
    job: int
    points: range
    replications: int
    master_seed: int

    @property
    def rows(self) -> int:
        """Rows the chunk must have."""
        return len(self.points) * self.replications


def range_fields(points: range) -> list[int]:
    """A range of points as ``[start, stop, step]`` for the chunk's metadata."""
    return [points.start, points.stop, points.step]


def chunk_path(folder: Path, job: int) -> Path:
    """Where job ``job``'s chunk lives."""
    return folder / CHUNK_FOLDER / f"job-{job:05d}.parquet"


def content_digest(table: pa.Table) -> str:
    """SHA-256 of a table's column names and values (not of its file encoding)."""
    frame = table.to_pandas()
    digest = hashlib.sha256("\x1f".join(frame.columns).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def write_chunk(path: Path, table: pa.Table, expected: Expected, extra: dict[str, Any]) -> None:
    """Write a chunk atomically with its identifying metadata.

    Args:
        path: The chunk's final path.
        table: Its rows.
        expected: What it holds.
        extra: More metadata to record (e.g. compute seconds).
    """
    meta = {"fingerprint": expected.fingerprint, "job": expected.job, "points": range_fields(expected.points),
            "rows": table.num_rows, "digest": content_digest(table), **extra}
    table = table.replace_schema_metadata({METADATA_KEY: json.dumps(meta)})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda p: pq.write_table(table, p))


def chunk_metadata(path: Path) -> dict[str, Any]:
    """A chunk's ``qicsim`` metadata, read from the Parquet footer only.

    Raises:
        ChunkProblem: If the footer or the metadata cannot be read.
    """
    try:
        schema = pq.read_schema(path)
        return json.loads((schema.metadata or {})[METADATA_KEY])
    except (OSError, pa.ArrowException, KeyError, ValueError) as exc:
        raise ChunkProblem(f"corrupt ({type(exc).__name__})") from exc


def read_chunk(path: Path, expected: Expected) -> pa.Table:
    """Read a chunk and check that it is complete and this sweep's.

    Args:
        path: The chunk file.
        expected: What it must hold.

    Returns:
        Its rows.

    Raises:
        ChunkProblem: Naming why it cannot be used.
    """
    meta = chunk_metadata(path)
    if meta.get("fingerprint") != expected.fingerprint:
        raise ChunkProblem(f"foreign (fingerprint {str(meta.get('fingerprint'))[:12]}, "
                           f"this sweep {expected.fingerprint[:12]})")
    if (meta.get("job"), meta.get("points")) != (expected.job, range_fields(expected.points)):
        raise ChunkProblem(f"holds job {meta.get('job')}'s points, not job {expected.job}'s")
    try:
        table = pq.read_table(path)
        digest = content_digest(table)
    except Exception as exc:  # damaged bytes fail in many ways: Arrow, Unicode, pandas errors
        raise ChunkProblem(f"corrupt ({type(exc).__name__})") from exc
    if digest != meta.get("digest"):
        raise ChunkProblem("corrupt (its values do not match their digest)")
    if table.num_rows != expected.rows:
        raise ChunkProblem(f"incomplete ({table.num_rows} of {expected.rows} rows)")
    points = table.column("point").to_pylist()
    replications = table.column("replication").to_pylist()
    seeds = table.column("seed").to_pylist()
    want = [(p, r) for p in expected.points for r in range(expected.replications)]
    if list(zip(points, replications, strict=True)) != want:
        raise ChunkProblem("rows are not this job's points and replications, in order")
    if any(s != point_seed(expected.master_seed, p, r) for p, r, s in zip(points, replications, seeds, strict=True)):
        raise ChunkProblem("seeds do not derive from this sweep's master seed")
    return table


def usable(path: Path, expected: Expected) -> tuple[pa.Table | None, str | None]:
    """A chunk's rows if it is usable, else None and why (None if the file does not exist)."""
    if not path.is_file():
        return None, None
    try:
        return read_chunk(path, expected), None
    except ChunkProblem as problem:
        return None, str(problem)
