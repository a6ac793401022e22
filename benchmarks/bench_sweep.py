"""Benchmark of designed sweeps: scaling over cores, Hydra's overhead, memory of collection.

What it measures (wall-clock, ``time.perf_counter``, around the real ``qicsim`` command run
as a subprocess from a fresh temporary folder):

1. **Scaling.** ``context_factorial`` as shipped (512 points x 10 replications = 5,120
   replications in 16 jobs) through the joblib launcher with ``n_jobs=1`` and ``n_jobs=2``,
   alternated twice; and a small version (2 replications per point, 1,024 replications)
   alternated three times, to show the fixed costs. Replications per second = replications
   / wall time of the whole command (interpreter start-up, Hydra, the joblib workers'
   start-up, the jobs, collection; the analyses are switched off). The speed-up is the ratio
   of the median rates. Target: at least 1.7x on 2 cores, judged on the shipped experiment.
2. **Hydra's overhead.** ``qicsim experiment=context_factorial`` as shipped (512 points x
   10 replications, 16 jobs, the basic launcher: one process, jobs one after another, no
   analyses), once. The jobs record the seconds they spend running replications
   (``compute_seconds`` in each chunk; summed in ``dataset.json``); everything else in the
   wall time is overhead: interpreter start-up, Hydra's composition and per-job set-up,
   building the design, writing chunks and collecting. Target: under 10% of the wall time.
3. **Collection memory.** A synthetic sweep folder of about 100,000 rows (the
   context_factorial plan with 196 replications per point: 100,352 rows x 93 columns, made
   from real outcome rows, with the real chunk writer), collected by ``qicsim-collect`` in a
   child process. Peak RSS of the child (``resource.getrusage(RUSAGE_CHILDREN)``), beside the
   peak RSS of a child that only imports the collector.

The machine is shared and noisy: medians, ranges and ratios only. This is a report, not a
test: it exits 0 whether the targets are met or missed, and ends with ``PASS`` or ``MISS``
lines.

Run from the repository root with the project's environment::

    python benchmarks/bench_sweep.py           # reference run (about 10 minutes) -> benchmarks/results/sweep.{json,md}
    python benchmarks/bench_sweep.py --quick   # smoke run for CI (about 40 s) -> sweep-quick.{json,md}
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

import qicsim
from qicsim.config.loader import load_config
from qicsim.run.folders import atomic_write
from qicsim.run.output import git_commit
from qicsim.run.runner import outcome_row, point_seed
from qicsim.studies.sweep.chunks import chunk_path, write_chunk
from qicsim.studies.sweep.jobs import expected_of
from qicsim.studies.sweep.plan import ensure_manifest, make_plan

SPEEDUP_TARGET = 1.7
OVERHEAD_TARGET = 0.10
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
FULL = {"scaling": {"reps": 10, "repeats": 2}, "scaling_small": {"reps": 2, "repeats": 3}, "overhead_reps": 10,
        "memory_reps": 196}
QUICK = {"scaling": {"reps": 1, "repeats": 1}, "scaling_small": None, "overhead_reps": 1, "memory_reps": 20}
NO_ANALYSIS = ("sweep.analyse=false",)


def script(name: str) -> str:
    """A console script of this environment."""
    path = Path(sys.executable).with_name(name)
    if not path.is_file():
        sys.exit(f"bench_sweep: no {name} next to {sys.executable}; install qicsim first")
    return str(path)


def timed_sweep(args: list[str]) -> tuple[float, dict[str, Any]]:
    """Run ``qicsim`` in a fresh folder; return its wall time and the collected dataset's info."""
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        start = time.perf_counter()
        proc = subprocess.run([script("qicsim"), *args], cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.exit(f"bench_sweep: qicsim failed:\n{proc.stderr[-3000:]}")
        info = json.loads((Path(tmp) / "results" / "sweeps" / "context_factorial" / "dataset.json").read_text())
    return wall, info


def scaling(reps: int, repeats: int) -> dict[str, Any]:
    """Replications per second with the joblib launcher on 1 and on 2 cores."""
    base = ["experiment=context_factorial", f"run.replications={reps}", *NO_ANALYSIS, "hydra/launcher=joblib"]
    walls: dict[int, list[float]] = {1: [], 2: []}
    runs = 0
    for _ in range(repeats):
        for cores in (1, 2):
            wall, info = timed_sweep([*base, f"hydra.launcher.n_jobs={cores}"])
            walls[cores].append(wall)
            runs = info["rows"]
    rates = {c: [runs / w for w in ws] for c, ws in walls.items()}
    median = {c: statistics.median(r) for c, r in rates.items()}
    return {"replications": runs, "jobs": 16, "walls_s": walls, "rates_per_s": rates,
            "median_rate_per_s": median, "speedup": median[2] / median[1]}


def overhead(reps: int) -> dict[str, Any]:
    """Hydra's (and everything else's) share of the wall time of a serial context_factorial."""
    wall, info = timed_sweep(["experiment=context_factorial", f"run.replications={reps}", *NO_ANALYSIS])
    compute = info["compute_seconds"]
    return {"replications": info["rows"], "jobs": info["jobs"], "wall_s": wall, "compute_s": compute,
            "overhead_s": wall - compute, "overhead_share": (wall - compute) / wall,
            "overhead_per_job_s": (wall - compute) / info["jobs"]}


def synthetic_sweep(folder: Path, reps: int) -> int:
    """Write a complete sweep folder of real-looking rows with the real manifest and chunk writer."""
    config = load_config(["experiment=context_factorial", f"run.replications={reps}"])
    plan = make_plan(config, folder)
    ensure_manifest(plan)
    kwargs = next(iter(plan.base_kwargs.values()))
    template = pd.DataFrame([outcome_row(point_seed(1, 0, r), kwargs) for r in range(20)])
    rows = 0
    for job in range(plan.sweep.jobs):
        expected = expected_of(plan, job)
        points = np.repeat(np.array(expected.points), reps)
        replications = np.tile(np.arange(reps), len(expected.points))
        design = plan.design.iloc[points].reset_index(drop=True)
        outcomes = template.iloc[np.arange(len(points)) % len(template)].reset_index(drop=True)
        frame = pd.concat([design, pd.DataFrame({"replication": replications, "seed": [
            point_seed(plan.master_seed, int(p), int(r)) for p, r in zip(points, replications, strict=True)]}),
            outcomes], axis=1)
        write_chunk(chunk_path(folder, job), pa.Table.from_pandas(frame, preserve_index=False), expected, {})
        rows += len(frame)
    return rows


def child_peak_rss_mib(code: str) -> float:
    """Peak RSS (MiB) of a fresh Python child running ``code``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run([sys.executable, "-c", code], check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:  # ru_maxrss of children is a maximum over all of them
        sys.exit("bench_sweep: measure memory in a fresh process (a larger child ran before)")
    return after / 1024


def collection_memory(reps: int) -> dict[str, Any]:
    """Peak RSS of collecting a synthetic sweep of about 100,000 rows."""
    with tempfile.TemporaryDirectory(prefix="bench_collect_") as tmp:
        folder = Path(tmp) / "context_factorial"
        rows = synthetic_sweep(folder, reps)
        # The import-only child must run first: getrusage keeps the largest child's peak.
        imports = child_peak_rss_mib("import qicsim.studies.sweep.collect")
        start = time.perf_counter()
        peak = child_peak_rss_mib(f"from qicsim.studies.sweep import collect; collect({str(folder)!r})")
        seconds = time.perf_counter() - start
        size = (folder / "dataset.parquet").stat().st_size / 2**20
        csv = (folder / "dataset.csv").stat().st_size / 2**20
        columns = len(pd.read_parquet(folder / "dataset.parquet").columns)
        shutil.rmtree(folder)
    return {"rows": rows, "columns": columns, "peak_rss_mib": peak, "import_only_rss_mib": imports,
            "collect_s": seconds, "parquet_mib": size, "csv_mib": csv}


def environment() -> dict[str, Any]:
    """Where the figures were measured."""
    return {"python": sys.version.split()[0], "qicsim": qicsim.__version__, "git_commit": git_commit(),
            "platform": platform.platform(), "cpus": os.cpu_count(), "load_average": os.getloadavg(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def scaling_rows(s: dict[str, Any]) -> list[str]:
    """Table rows of one scaling measurement."""
    rate, n = s["median_rate_per_s"], s["replications"]
    return [f"| replications/s, {cores} core{'s' if cores > 1 else ''} (joblib n_jobs={cores}; {n} replications; "
            f"median of {len(s['walls_s'][cores])}) | {rate[cores]:.1f} | |" for cores in (1, 2)] + \
        [f"| speed-up on 2 cores ({n} replications) | {s['speedup']:.2f}x | >= {SPEEDUP_TARGET}x |"]


def markdown(result: dict[str, Any]) -> str:
    """The report as Markdown."""
    s, o, m = result["scaling"], result["overhead"], result["memory"]
    small = result.get("scaling_small")
    walls = "; ".join(f"{x['replications']} replications on {c} core{'s' if c > 1 else ''}: "
                      + ", ".join(f"{w:.1f}" for w in x["walls_s"][c]) for x in (s, small) if x for c in (1, 2))
    lines = [
        "# Sweep benchmark", "",
        f"Measured {result['environment']['date']} on {result['environment']['platform']} "
        f"({result['environment']['cpus']} CPUs, load {result['environment']['load_average'][0]:.2f}), "
        f"qicsim {result['environment']['qicsim']} ({result['environment']['git_commit']}), "
        f"Python {result['environment']['python']}.", "",
        "| measure | figure | target |", "|---|---|---|",
        *scaling_rows(s), *(scaling_rows(small) if small else []),
        f"| overhead share of context_factorial wall time ({o['replications']} replications, "
        f"{o['jobs']} jobs, basic launcher) | {100 * o['overhead_share']:.1f}% "
        f"({o['overhead_s']:.1f} of {o['wall_s']:.1f} s; {o['overhead_per_job_s']:.2f} s per job) "
        f"| < {100 * OVERHEAD_TARGET:.0f}% |",
        f"| peak RSS of collecting {m['rows']:,} rows x {m['columns']} columns | {m['peak_rss_mib']:.0f} MiB "
        f"(importing the collector alone: {m['import_only_rss_mib']:.0f} MiB; {m['collect_s']:.1f} s; "
        f"Parquet {m['parquet_mib']:.1f} MiB, CSV {m['csv_mib']:.1f} MiB) | |", "",
        f"Scaling (context_factorial, {s['jobs']} jobs): wall times in s, {walls}.", "",
        result["verdicts"][0], "", result["verdicts"][1], "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write ``sweep.json`` and ``sweep.md``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for CI; writes sweep-quick.*")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the results")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    result: dict[str, Any] = {"environment": environment(), "sizes": sizes}
    result["memory"] = collection_memory(sizes["memory_reps"])
    result["scaling"] = scaling(**sizes["scaling"])
    if sizes["scaling_small"]:
        result["scaling_small"] = scaling(**sizes["scaling_small"])
    result["overhead"] = overhead(sizes["overhead_reps"])
    speedup, share = result["scaling"]["speedup"], result["overhead"]["overhead_share"]
    result["verdicts"] = [
        f"{'PASS' if speedup >= SPEEDUP_TARGET else 'MISS'} speed-up on 2 cores {speedup:.2f}x "
        f"(target >= {SPEEDUP_TARGET}x)",
        f"{'PASS' if share < OVERHEAD_TARGET else 'MISS'} overhead {100 * share:.1f}% of the wall time "
        f"(target < {100 * OVERHEAD_TARGET:.0f}%)",
    ]
    stem = "sweep-quick" if args.quick else "sweep"
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / f"{stem}.json", lambda p: p.write_text(json.dumps(result, indent=2, default=str)))
    atomic_write(args.out / f"{stem}.md", lambda p: p.write_text(markdown(result)))
    print(markdown(result))


if __name__ == "__main__":
    main()
