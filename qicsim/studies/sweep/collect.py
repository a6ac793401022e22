"""Collect a sweep's chunk files into one dataset (Parquet and CSV), or name what is missing.

The collector needs only the sweep folder: the manifest says how many points, jobs and
replications there are, so it can check that every expected point is present. The dataset
is written only when the sweep is complete; ``dataset.json`` (with SHA-256 hashes of both
files and the sweep's fingerprint) is written last.

Command line: ``qicsim-collect results/sweeps/<name>``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from qicsim.errors import EXIT_INCOMPLETE, DataError, OneLineParser, QicsimError, exit_with
from qicsim.run.folders import atomic_write
from qicsim.run.output import environment, sha256
from qicsim.studies.sweep.chunks import CHUNK_FOLDER, Expected, chunk_path, usable
from qicsim.studies.sweep.design import chunk_points
from qicsim.studies.sweep.plan import read_manifest

DATASET = "dataset.parquet"
DATASET_CSV = "dataset.csv"
DATASET_INFO = "dataset.json"


class IncompleteSweep(DataError):
    """Some design points have no usable results yet (exit code 3: run the same command again)."""

    exit_code = EXIT_INCOMPLETE
    label = "incomplete"

    def __init__(self, folder: Path, missing: list[int], total: int, problems: list[str]):
        self.missing = missing
        self.problems = problems
        detail = f"; {'; '.join(problems)}" if problems else ""
        super().__init__(str(folder), f"{len(missing)} of {total} points missing: {ranges(missing)}{detail}",
                         "run the same sweep command again to complete it")


def ranges(values: list[int], limit: int = 12) -> str:
    """Compact text for sorted integers: ``3-7, 12, 40-41``, cut after ``limit`` runs."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    text = [f"{a}" if a == b else f"{a}-{b}" for a, b in runs[:limit]]
    more = f" (and {len(runs) - limit} more ranges)" if len(runs) > limit else ""
    return ", ".join(text) + more


def gather(folder: Path, manifest: dict[str, Any]) -> tuple[list[pa.Table], list[int], list[str], float]:
    """Read every job's chunk: usable tables, missing points, problems, compute seconds."""
    tables, missing, problems, seconds, not_run = [], [], [], 0.0, 0
    for job in range(manifest["jobs"]):
        points = chunk_points(manifest["points"], manifest["jobs"], job)
        if not points:
            continue
        expected = Expected(manifest["fingerprint"], job, points, manifest["replications"], manifest["master_seed"])
        path = chunk_path(folder, job)
        table, problem = usable(path, expected)
        if table is None:
            missing.extend(points)
            if problem:
                problems.append(f"{path.name}: {problem}")
            else:
                not_run += 1
            continue
        tables.append(table)
        seconds += float(json_meta(table).get("compute_seconds", 0.0))
    if not_run:
        problems.append(f"{not_run} of {manifest['jobs']} jobs not run")
    known = {chunk_path(folder, j).name for j in range(manifest["jobs"])}
    strays = sorted(p.name for p in (folder / CHUNK_FOLDER).glob("*.parquet") if p.name not in known)
    if strays:
        problems.append(f"ignored files not of this sweep: {', '.join(strays)}")
    return tables, missing, problems, seconds


def json_meta(table: pa.Table) -> dict[str, Any]:
    """A chunk table's ``qicsim`` metadata."""
    return json.loads((table.schema.metadata or {}).get(b"qicsim", b"{}"))


def collect(folder: str | Path) -> Path:
    """Gather a sweep's chunks into ``dataset.parquet`` and ``dataset.csv``.

    Args:
        folder: The sweep folder.

    Returns:
        The path of ``dataset.parquet``.

    Raises:
        IncompleteSweep: Naming the missing points, and why each chunk could not be used.
        DataError: If the folder or its manifest is missing or corrupt.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    tables, missing, problems, seconds = gather(folder, manifest)
    if missing:
        raise IncompleteSweep(folder, missing, manifest["points"], problems)
    table = pa.concat_tables(tables, promote_options="permissive").replace_schema_metadata(None)
    table = table.sort_by([("point", "ascending"), ("replication", "ascending")])
    return write_dataset(folder, table, manifest, {"compute_seconds": round(seconds, 3), "warnings": problems})


def write_dataset(folder: Path, table: pa.Table, manifest: dict[str, Any], notes: dict[str, Any] | None = None) -> Path:
    """Write a dataset as Parquet and CSV, then ``dataset.json`` with their hashes (last).

    Args:
        folder: The sweep folder.
        table: The rows, sorted by point and replication.
        manifest: The sweep's manifest (design.json).
        notes: More entries for dataset.json (compute seconds, warnings).

    Returns:
        The path of ``dataset.parquet``.
    """
    parquet, csv = folder / DATASET, folder / DATASET_CSV
    atomic_write(parquet, lambda p: pq.write_table(table, p))
    atomic_write(csv, lambda p: pacsv.write_csv(table, p))
    info = {
        "fingerprint": manifest["fingerprint"], "name": manifest["name"], "design": manifest["design"],
        "rows": table.num_rows, "points": manifest["points"], "replications": manifest["replications"],
        "master_seed": manifest["master_seed"], "jobs": manifest["jobs"], **(notes or {}), **environment(),
        **({"ensemble": manifest["ensemble"]} if "ensemble" in manifest else {}),
        **({"ensemble_sets": manifest["ensemble_sets"]} if "ensemble_sets" in manifest else {}),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": {DATASET: sha256(parquet), DATASET_CSV: sha256(csv)},
    }
    atomic_write(folder / DATASET_INFO, lambda p: p.write_text(json.dumps(info, indent=2)))
    return parquet


def load_dataset(folder: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read a collected dataset and its manifest, checking that both belong together and are unaltered.

    Args:
        folder: The sweep folder.

    Returns:
        The dataset and the manifest (``design.json``).

    Raises:
        DataError: If the dataset is missing, altered, or not this sweep's.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    info_path = folder / DATASET_INFO
    if not info_path.is_file():
        raise DataError(str(folder / DATASET), "not collected yet", f"run `qicsim-collect {folder}` first")
    try:
        info = json.loads(info_path.read_text())
        files = dict(info["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise DataError(str(info_path), "corrupt", "a dataset.json written by qicsim-collect") from exc
    if info.get("fingerprint") != manifest["fingerprint"]:
        raise DataError(str(folder / DATASET), "collected from another sweep", f"run `qicsim-collect {folder}`")
    path = folder / DATASET
    if not path.is_file() or sha256(path) != files.get(DATASET):
        raise DataError(str(path), "missing or altered since it was collected", f"run `qicsim-collect {folder}`")
    try:
        return pd.read_parquet(path), manifest
    except (OSError, pa.ArrowException) as exc:  # hashes match but this pyarrow cannot read it
        raise DataError(str(path), f"unreadable ({type(exc).__name__})", "a dataset from qicsim-collect") from exc


def main(argv: list[str] | None = None) -> None:
    """Console entry point ``qicsim-collect``."""
    parser = OneLineParser(prog="qicsim-collect", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a sweep folder, e.g. results/sweeps/context_factorial")
    args = parser.parse_args(argv)
    try:
        path = collect(args.folder)
    except QicsimError as error:
        exit_with(error, "qicsim-collect")
    rows = pq.read_metadata(path).num_rows
    print(f"qicsim-collect: {rows} rows -> {path} (and {path.with_suffix('.csv').name})")


if __name__ == "__main__":
    main()
