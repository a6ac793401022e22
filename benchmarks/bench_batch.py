"""Batch benchmark (issue 20): PEACH replications in lockstep, per replication, against the NumPy floor.

Runs PEACH (78 + 52 weeks) in batches of R replications (:class:`qicsim.model.batch.Batch`) and
reports milliseconds per replication for each R, each as a ratio to the single-replication NumPy
floor measured in the same run (``bench_speed.numpy_weeks``: 25 NumPy calls a week on arrays of the
staff size), and a profile of one batch of the largest R: where its time goes, batched processes
against those still run replication by replication. Peak memory is that of this process
(``ru_maxrss``) after each size. Not a test: a missed target is reported, never raised.

Usage::

    python benchmarks/bench_batch.py            # R = 1, 16, 64 and 256; 3 repeats (about 3 minutes)
    python benchmarks/bench_batch.py --quick    # R = 1 and 16; 1 repeat; written to batch-quick.*
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench_core import environment, load_average
from bench_speed import bench_numpy_floor

import qicsim
from qicsim.run.evaluator import Replication
from qicsim.run.evaluator import run_batch as run_batch_of
from qicsim.run.folders import atomic_write
from qicsim.run.runner import model_kwargs

RESULTS = Path(__file__).parent / "results"
TARGET_RATIO_64 = 3.0  # issue 20: per replication at R = 64, at most 3x the NumPy floor
PROFILED = {
    "process 1, time budget (batched)": "update_time",
    "process 10, problems (batched)": "update_problems",
    "processes 2-9 and the trap (one replication at a time)": "step_social_to_trap",
    "end of week: fades, series, counts (one replication at a time)": "close_week",
    "set-up (one replication at a time)": "__init__",
}


def run_batch(size: int, kwargs: dict[str, Any], first_seed: int) -> float:
    """Seconds to build and run one batch of ``size`` PEACH replications."""
    replications = [Replication(first_seed + i, kwargs, i) for i in range(size)]
    start = time.perf_counter()
    run_batch_of(replications)  # the evaluator's own way: build the models, run them in one batch
    return time.perf_counter() - start


def profile(size: int, kwargs: dict[str, Any]) -> dict[str, float]:
    """Share of one batch's time (cumulative, under cProfile) in each part of the week."""
    profiler = cProfile.Profile()
    profiler.enable()
    run_batch(size, kwargs, 90_000)
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, _), (_, _, tt, _, _) in stats.items())
    found: dict[str, float] = {}
    for label, function in PROFILED.items():
        seconds = sum(ct for (path, _, name), (_, _, _, ct, _) in stats.items()
                      if name == function and "qicsim" in path
                      and (function != "__init__" or path.endswith("model.py")))
        found[label] = round(100 * seconds / total, 1)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="R = 1 and 16, one repeat (batch-quick.*)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = (1, 16) if args.quick else (1, 16, 64, 256)
    repeats = 1 if args.quick else 3
    kwargs = model_kwargs(qicsim.scenario_config("peach"))
    load_start = load_average()
    run_batch(2, kwargs, 0)  # warm-up
    floor = bench_numpy_floor(224, 29, 130, 10 if args.quick else 30)
    floor_ms = floor["ms"]["median"]
    rows = []
    for size in sizes:
        times = [run_batch(size, kwargs, 1000 * size + 10 * r) * 1e3 / size for r in range(repeats)]
        median = statistics.median(times)
        rows.append({"replications": size, "ms_per_replication": round(median, 2),
                     "raw_ms": [round(t, 2) for t in times], "ratio_to_floor": round(median / floor_ms, 2),
                     "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
        print(f"R={size}: {median:.1f} ms per replication, {median / floor_ms:.2f}x the floor", file=sys.stderr)
    shares = profile(sizes[-1] if args.quick else 64, kwargs)
    at_64 = next((r for r in rows if r["replications"] == 64), None)
    result = {"environment": environment(), "load_average": {"start": load_start, "end": load_average()},
              "floor": floor, "batches": rows, "profile_size": sizes[-1] if args.quick else 64,
              "profile_percent": shares,
              "target": {"ratio_at_64": TARGET_RATIO_64,
                         "measured": at_64["ratio_to_floor"] if at_64 else None}}
    name = "batch-quick" if args.quick else "batch"
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / f"{name}.json", lambda p: p.write_text(json.dumps(result, indent=2) + "\n"))
    atomic_write(args.out / f"{name}.md", lambda p: p.write_text(markdown(result)))
    verdict = "PASS" if at_64 and at_64["ratio_to_floor"] <= TARGET_RATIO_64 else "MISS"
    measured = "not measured (--quick)" if at_64 is None else f"{at_64['ratio_to_floor']}x"
    print(f"{verdict} batch: R=64 at {measured} the NumPy floor (target <= {TARGET_RATIO_64}x)")
    return 0


def markdown(result: dict[str, Any]) -> str:
    """The result as a short Markdown report."""
    env = result["environment"]
    lines = ["# Batch benchmark: PEACH replications in lockstep", "",
             f"Commit {env.get('git_commit')}, {env.get('date')}; load average "
             f"{result['load_average']['start']} at start, {result['load_average']['end']} at end.", "",
             f"NumPy floor (25 calls a week on arrays of 224, 130 weeks): {result['floor']['ms']['median']:.2f} ms "
             "(median), measured in this run.", "",
             "| replications in the batch | ms per replication (median) | ratio to the floor | peak RSS MiB |",
             "|---:|---:|---:|---:|"]
    lines += [f"| {r['replications']} | {r['ms_per_replication']} | {r['ratio_to_floor']} | {r['peak_rss_mib']} |"
              for r in result["batches"]]
    measured = result["target"]["measured"]
    lines += ["", f"Target: at R = 64, at most {result['target']['ratio_at_64']}x the floor; measured "
              + ("not (--quick)." if measured is None else f"{measured}x."), "",
              f"## Where a batch of {result['profile_size']} spends its time (cProfile, cumulative, % of the batch)",
              "",
              "| part of the week | % |", "|---|---:|"]
    lines += [f"| {label} | {share} |" for label, share in result["profile_percent"].items()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
