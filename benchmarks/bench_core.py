"""Benchmark of the simulation core: how long one PEACH replication takes, and a batch of them.

What it measures (all wall-clock, ``time.perf_counter``):

1. **One replication**, over ``--seeds`` different seeds (default 30; seed ``i`` is
   ``qicsim.replication_seed(master, i)`` with the PEACH config's master seed), after 2
   warm-up runs. *Set-up* is constructing ``qicsim.QICModel(seed=s, **kwargs)``; *run* is
   ``model.run()`` (all 78 + 52 weeks); *total* is their sum. Garbage is collected before
   each timed replication but the collector stays on, as in real use.
2. **A batch** of ``--batch`` replications (default 100) through the real runner,
   ``qicsim.simulate(qicsim.scenario_config("peach", replications=N))``, which also builds the output
   tables; repeated ``--repeats`` times (default 3). The config is composed once, outside the
   timing. The *overhead ratio* is the per-replication time in the batch divided by the
   single-replication median total: above 1 is the cost of building the tables.
3. **Peak RSS** of the process (``resource.getrusage``) and the environment (Python, Mesa,
   NumPy, platform, CPUs, load average, date, git commit).

The target: one PEACH replication (78 + 52 weeks) in at most 100 ms on the 2-core reference
machine, judged on the median total. The machine is shared and noisy, so only medians,
ranges and ratios are reported. This is a report, not a test: it exits 0 whether the target
is met or missed, and prints a ``PASS`` or ``MISS`` line.

Run it from the repository root with the project's environment::

    python benchmarks/bench_core.py            # reference run -> benchmarks/results/core.{json,md}
    python benchmarks/bench_core.py --quick    # smoke run for CI -> core-quick.{json,md}
    python benchmarks/bench_core.py --seeds 50 --batch 200 --repeats 5 --out /tmp/bench
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mesa
import numpy as np

import qicsim
import qicsim.run.runner  # a submodule: the package loads it lazily, so import it by name

TARGET_MS = 100.0
SCENARIO = "peach"
WARMUP_RUNS = 2
MIN_SEEDS = 20
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
FULL = {"seeds": 30, "batch": 100, "repeats": 3}
QUICK = {"seeds": 5, "batch": 10, "repeats": 1}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line, filling unset sizes from the full or quick defaults.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments, with ``seeds``, ``batch`` and ``repeats`` set.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, help=f"seeds timed one by one (default {FULL['seeds']}, "
                                                  f"at least {MIN_SEEDS} unless --quick)")
    parser.add_argument("--batch", type=int, help=f"replications per batch (default {FULL['batch']})")
    parser.add_argument("--repeats", type=int, help=f"times the batch is run (default {FULL['repeats']})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder (default benchmarks/results)")
    parser.add_argument("--quick", action="store_true",
                        help=f"small smoke run ({QUICK}) written to core-quick.* instead of core.*")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    check_sizes(parser, args)
    return args


def check_sizes(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Reject sizes too small to give the statistics reported (exits with a usage error)."""
    least_seeds = 2 if args.quick else MIN_SEEDS
    if args.seeds < least_seeds:
        parser.error(f"--seeds must be at least {least_seeds}" + ("" if args.quick else " (or use --quick)"))
    if args.batch < 1 or args.repeats < 1:
        parser.error("--batch and --repeats must be at least 1")


def summarise(values_ms: Sequence[float]) -> dict[str, float]:
    """Median, min, max, quartiles and interquartile range of timings in ms.

    Args:
        values_ms: At least two timings.

    Returns:
        ``n``, ``median``, ``min``, ``max``, ``q1``, ``q3`` and ``iqr``, rounded to 0.01 ms.
    """
    q1, _, q3 = statistics.quantiles(values_ms, n=4, method="inclusive")
    stats = {"median": statistics.median(values_ms), "min": min(values_ms), "max": max(values_ms),
             "q1": q1, "q3": q3, "iqr": q3 - q1}
    return {"n": len(values_ms), **{k: round(v, 2) for k, v in stats.items()}}


def time_replication(seed: int, kwargs: dict[str, Any]) -> tuple[float, float, float]:
    """Time one replication's set-up and run.

    Args:
        seed: The replication's seed.
        kwargs: Model keyword arguments from ``qicsim.run.runner.model_kwargs``.

    Returns:
        Set-up and run wall times, and the process CPU time of both, in ms.
    """
    gc.collect()
    cpu_start = time.process_time()
    start = time.perf_counter()
    model = qicsim.QICModel(seed=seed, **kwargs)
    built = time.perf_counter()
    model.run()
    done = time.perf_counter()
    cpu = time.process_time() - cpu_start
    return (built - start) * 1e3, (done - built) * 1e3, cpu * 1e3


def bench_single(n_seeds: int) -> dict[str, Any]:
    """Time single PEACH replications, one per seed, after the warm-up runs.

    Args:
        n_seeds: How many seeds to time.

    Returns:
        Summaries of set-up, run and total wall time and of total CPU time (ms), and the raw
        timings. CPU time well below wall time means the process was waiting for a core.
    """
    cfg = qicsim.scenario_config(SCENARIO)
    kwargs = qicsim.run.runner.model_kwargs(cfg)
    master = cfg.run.seed
    for i in range(WARMUP_RUNS):  # seeds after the timed ones, so no timed seed is pre-run
        time_replication(qicsim.replication_seed(master, n_seeds + i), kwargs)
    seeds = [qicsim.replication_seed(master, i) for i in range(n_seeds)]
    setup, run, cpu = zip(*(time_replication(s, kwargs) for s in seeds), strict=True)
    total = [a + b for a, b in zip(setup, run, strict=True)]
    return {"master_seed": master, "warmup_runs": WARMUP_RUNS,
            "setup_ms": summarise(setup), "run_ms": summarise(run), "total_ms": summarise(total),
            "total_cpu_ms": summarise(cpu), "raw_ms": {"setup": rounded(setup), "run": rounded(run),
                                                        "total_cpu": rounded(cpu)}}


def bench_batch(n_replications: int, repeats: int) -> dict[str, Any]:
    """Time ``qicsim.simulate`` on a batch of PEACH replications, several times.

    A 2-replication batch runs first, untimed, to warm up the table-building code.

    Args:
        n_replications: Replications per batch.
        repeats: Number of timed batches.

    Returns:
        Median, min and max seconds per batch, replications per second and the raw times.
    """
    qicsim.simulate(qicsim.scenario_config(SCENARIO, replications=2))
    cfg = qicsim.scenario_config(SCENARIO, replications=n_replications)
    seconds = [timed(lambda: qicsim.simulate(cfg)) for _ in range(repeats)]
    median = statistics.median(seconds)
    return {"replications": n_replications, "repeats": repeats, "median_s": round(median, 3),
            "min_s": round(min(seconds), 3), "max_s": round(max(seconds), 3),
            "replications_per_s": round(n_replications / median, 1),
            "ms_per_replication": round(median / n_replications * 1e3, 2), "raw_s": rounded(seconds, 4)}


def timed(work: Callable[[], object]) -> float:
    """Seconds taken by ``work()``, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def rounded(values: Sequence[float], digits: int = 3) -> list[float]:
    """The values rounded, as a list for JSON."""
    return [round(v, digits) for v in values]


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)  # bytes on macOS, KiB on Linux


def git_commit() -> str:
    """The repository's HEAD commit, with ``+dirty`` if tracked files changed; ``unknown`` without git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True,
                              check=True, timeout=30).stdout.strip()
    try:
        head = git("rev-parse", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def load_average() -> float | None:
    """The 1-minute load average, or None where the platform has none."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None


def environment() -> dict[str, Any]:
    """Versions, platform, CPUs, load and date of this run."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"python": platform.python_version(), "mesa": mesa.__version__, "numpy": np.__version__,
            "qicsim": qicsim.__version__, "platform": platform.platform(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "cpus_usable": usable,
            "load_average_1m": {"start": load_average()},
            "date": datetime.now(UTC).isoformat(timespec="seconds"), "git_commit": git_commit()}


def verdict(single: dict[str, Any]) -> dict[str, Any]:
    """The target and whether the median total meets it."""
    median = single["total_ms"]["median"]
    return {"description": "one PEACH replication (78 + 52 weeks) in at most 100 ms on the 2-core "
                           "reference machine, judged on the median total (set-up + run)",
            "max_ms": TARGET_MS, "median_total_ms": median, "passed": median <= TARGET_MS}


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run every measurement and gather the result document.

    Args:
        args: Parsed command line.

    Returns:
        The machine-readable result (what ``core.json`` holds).
    """
    env = environment()  # load average before we add our own
    single = bench_single(args.seeds)
    rss_single = peak_rss_mb()
    batch = bench_batch(args.batch, args.repeats)
    batch["overhead_ratio"] = round(batch["ms_per_replication"] / single["total_ms"]["median"], 2)
    return {"benchmark": "core", "scenario": SCENARIO, "quick": args.quick,
            "settings": {"seeds": args.seeds, "batch": args.batch, "repeats": args.repeats},
            "target": verdict(single), "single_replication": single, "batch": batch,
            "peak_rss_mb": {"after_single": rss_single, "after_batch": peak_rss_mb()},
            "environment": env | {"load_average_1m": env["load_average_1m"] | {"end": load_average()}}}


def render_markdown(result: dict[str, Any]) -> str:
    """A short Markdown report of a result document."""
    single, batch, target, env = (result[k] for k in ("single_replication", "batch", "target", "environment"))
    rows = [f"| {name} | {s['median']:.1f} | {s['min']:.1f} | {s['max']:.1f} | {s['iqr']:.1f} |"
            for name, s in (("set-up", single["setup_ms"]), ("run", single["run_ms"]),
                            ("total", single["total_ms"]), ("total, CPU time", single["total_cpu_ms"]))]
    status = "PASS" if target["passed"] else "MISS"
    return "\n".join([
        f"# Core benchmark{' (quick)' if result['quick'] else ''}: {result['scenario']}", "",
        f"Target: {target['description']}. **{status}** (median total {target['median_total_ms']:.1f} ms).", "",
        f"## One replication ({single['setup_ms']['n']} seeds, {single['warmup_runs']} warm-up runs), ms", "",
        "| phase | median | min | max | IQR |", "|---|---:|---:|---:|---:|", *rows, "",
        f"## Batch through `qicsim.simulate` ({batch['replications']} replications, "
        f"{batch['repeats']} {'repeat' if batch['repeats'] == 1 else 'repeats'})", "",
        "| median s | min s | max s | replications/s | ms/replication | overhead ratio |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {batch['median_s']:.2f} | {batch['min_s']:.2f} | {batch['max_s']:.2f} | "
        f"{batch['replications_per_s']:.1f} | {batch['ms_per_replication']:.1f} | {batch['overhead_ratio']:.2f} |", "",
        f"Peak RSS: {result['peak_rss_mb']['after_single']:.0f} MiB after the single runs, "
        f"{result['peak_rss_mb']['after_batch']:.0f} MiB after the batches.", "",
        f"Environment: Python {env['python']}, Mesa {env['mesa']}, NumPy {env['numpy']}, {env['platform']}, "
        f"{env['cpus_usable']} usable of {env['cpu_count']} CPUs, 1-min load average "
        f"{env['load_average_1m']['start']} at start and {env['load_average_1m']['end']} at end, "
        f"{env['date']}, commit `{env['git_commit']}`.", "",
    ])


def write_atomic(path: Path, text: str) -> None:
    """Write a text file atomically: a temporary file in the same folder, then ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes it 0600; give it a normal file's mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's umask (reading it means setting it, so it is set straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write ``core.json`` and ``core.md`` (or ``core-quick.*``) and print a summary.

    Returns:
        0, whether the target is met or missed.
    """
    args = parse_args(argv)
    result = run_benchmark(args)
    stem = "core-quick" if args.quick else "core"
    markdown = render_markdown(result)
    write_atomic(args.out / f"{stem}.json", json.dumps(result, indent=2) + "\n")
    write_atomic(args.out / f"{stem}.md", markdown)
    print(markdown)
    target = result["target"]
    print(f"{'PASS' if target['passed'] else 'MISS'}: median total {target['median_total_ms']:.1f} ms per "
          f"PEACH replication (target <= {target['max_ms']:.0f} ms); results in {args.out / stem}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
