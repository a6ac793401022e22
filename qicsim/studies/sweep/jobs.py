"""Run one job of a sweep: every replication of its chunk of design points, in this process.

A job whose chunk is already done (from an earlier, interrupted run of the same sweep) is
skipped, so restarting a sweep with the same command completes only what is missing. One
process at a time runs a job: it holds the job's lock (``<sweep>/.claims/job-<j>.lock``)
while it does, and a second process given the same job (the same sweep started twice) waits
for it, then finds the chunk done. A killed process's lock goes with it.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass
from time import perf_counter
from typing import Any

import pyarrow as pa
from tqdm.auto import tqdm

from qicsim.config.ensemble import NO_DRAW, drawn_kwargs
from qicsim.run.evaluator import Replication, evaluate
from qicsim.run.folders import waiting_for
from qicsim.run.progress import progress_bar
from qicsim.run.runner import mechanism_row, point_seed
from qicsim.studies.sweep.chunks import ChunkProblem, Expected, chunk_metadata, chunk_path, usable, write_chunk
from qicsim.studies.sweep.design import apply_point
from qicsim.studies.sweep.plan import Plan, ensure_manifest

CLAIMS = ".claims"  # in the sweep's folder: one lock file per job, held by the process running it


@dataclass(frozen=True)
class JobReport:
    """What a job did.

    Attributes:
        job: The job index.
        status: ``ran``, ``done before`` or ``empty`` (more jobs than points).
        runs: Replications in its chunk.
        seconds: Time spent running replications (0 if skipped).
    """

    job: int
    status: str
    runs: int
    seconds: float


def expected_of(plan: Plan, job: int) -> Expected:
    """What job ``job``'s chunk must hold."""
    return Expected(plan.fingerprint, job, plan.points_of(job), plan.replications, plan.master_seed)


def runs_done(plan: Plan) -> int:
    """Replications already in this sweep's chunk files (read from their footers only)."""
    done = 0
    for job in range(plan.sweep.jobs):
        path = chunk_path(plan.folder, job)
        if path.is_file():
            try:
                meta = chunk_metadata(path)
            except ChunkProblem:
                continue
            done += int(meta.get("rows", 0)) if meta.get("fingerprint") == plan.fingerprint else 0
    return done


def say(message: str) -> None:
    """One line to stderr (Hydra's job log and the terminal)."""
    print(f"qicsim: {message}", file=sys.stderr, flush=True)


def run_job(plan: Plan, job: int, bar: tqdm | None = None) -> JobReport:
    """Run job ``job`` of a sweep, unless its chunk is already done.

    Args:
        plan: The sweep's plan.
        job: The job index.
        bar: A progress bar to advance (one per sweep); if None, the job makes its own,
            starting from the runs already done by other jobs.

    Returns:
        What the job did.
    """
    ensure_manifest(plan)
    expected = expected_of(plan, job)
    if not expected.points:
        return JobReport(job, "empty", 0, 0.0)
    with waiting_for(plan.folder / CLAIMS / f"job-{job:05d}.lock"):
        return run_claimed_job(plan, expected, bar)


def run_claimed_job(plan: Plan, expected: Expected, bar: tqdm | None) -> JobReport:
    """:func:`run_job` once this process holds the job: skip a chunk that is done, else run and write it."""
    job = expected.job
    path = chunk_path(plan.folder, job)
    table, problem = usable(path, expected)
    if table is not None:
        if bar is not None:
            bar.update(expected.rows)
        return JobReport(job, "done before", expected.rows, 0.0)
    if problem:
        say(f"{path}: {problem}; not used, running its points again")
    own_bar = bar is None
    if own_bar:
        total = plan.n_points * plan.replications
        bar = progress_bar(total, f"{plan.name} job {job + 1}/{plan.sweep.jobs}", runs_done(plan))
    start = perf_counter()
    rows = run_points(plan, expected, bar)
    seconds = perf_counter() - start
    if own_bar:
        bar.close()
    extra = {"compute_seconds": round(seconds, 3), "host": socket.gethostname(), "pid": os.getpid()}
    write_chunk(path, pa.Table.from_pylist(rows), expected, extra)
    return JobReport(job, "ran", expected.rows, seconds)


def run_points(plan: Plan, expected: Expected, bar: tqdm) -> list[dict[str, Any]]:
    """Every replication of the chunk's points, as dataset rows.

    With an ensemble, each replication's base parameters are updated with its draw and the
    point's factors are applied on top: a design's factor keeps the value the design gives it.
    The rows then carry the row drawn (``ensemble_draw``). A design crossed with ensemble sets
    (``sweep.ensemble_draws``) applies the point's set instead (its columns are in the design).
    """
    rows = []
    for point in expected.points:
        spec = plan.design.iloc[point]
        head = {k: (v.item() if hasattr(v, "item") else v) for k, v in spec.items()}
        runs = []
        for replication in range(plan.replications):
            seed = point_seed(plan.master_seed, point, replication)
            base, row = drawn_kwargs(plan.base_kwargs[spec["base"]], plan.ensemble, seed)
            runs.append(Replication(seed, apply_point(base, plan.factors, spec, plan.ensemble_parameters), replication,
                                    row))
        for run, outcomes in zip(runs, evaluate(runs, mechanism_row), strict=True):
            drawn = {} if run.draw == NO_DRAW else {"ensemble_draw": run.draw}
            rows.append({**head, "replication": run.index, "seed": run.seed, **drawn, **outcomes})
            bar.update(1)
    return rows
