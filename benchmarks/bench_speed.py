"""Benchmark of speed: one PEACH replication against its floors, scaling, start-up, sweeps.

Every floor is measured in the same run as what it is compared with, so the ratios hold on a
shared, noisy machine where absolute times do not. All times are wall-clock
(``time.perf_counter``); medians, minima and ratios are reported.

Sections (``--only`` picks some, ``--skip-sweep`` leaves out the slow last one):

1. ``single``: **one PEACH replication** (``qicsim.scenario_config("peach")``), over ``--seeds``
   seeds (default 30; seed ``i`` is ``qicsim.replication_seed(master, i)``), after 2 warm-up
   runs: *set-up* is ``qicsim.QICModel(seed=s, **qicsim.run.runner.model_kwargs(cfg))``, *run*
   is ``model.run()`` (78 + 52 weeks), *total* their sum.
2. ``batch``: **a batch** of ``--batch`` replications (default 100) through the runner with
   its tables, ``qicsim.simulate(qicsim.scenario_config("peach", replications=N))``; ms per
   replication and its ratio to the single-replication median.
3. ``numpy``: **the NumPy floor**: 130 weeks of 25 small-array NumPy calls (random draws from
   a ``Generator``, arithmetic, comparisons, ``where``, ``bincount``, sums) on arrays of the
   PEACH model's staff size (``model.staff.n`` of a built model), ``--floor-repeats`` times.
4. ``mesa``: **the Mesa floor**: a ``mesa.Model`` with as many ``mesa.Agent`` objects as
   the staff size, built and run for 130 steps by Mesa's own loop (``run_model``), each step
   calling every agent's empty ``step()`` (``model.agents.do("step")``).
5. **Ratios**: the PEACH median total over each floor's median. Target: at most 4 times the
   NumPy floor; the Mesa ratio is reported only.
6. ``homes``: **scaling in homes**: 29 homes (PEACH), 290 (29 sites of 10) and 2,900 (29
   sites of 100), ``homes_per_site`` overridden in the model's keyword arguments, the rest
   as PEACH. Each size runs in its own child process (one PEACH warm-up run, then the timed
   seeds), whose peak RSS is the kernel's count for that child alone (``os.wait4``); a child
   that only imports qicsim gives the memory floor. A child that outlives ``--homes-timeout``
   is killed and recorded as a timeout. Targets for 2,900 homes: at most 110 times the
   29-home time, peak RSS at most 1,024 MiB.
7. ``weeks``: **scaling in weeks**: 130 (78 + 52), 260 and 520 weeks, both
   ``collaborative_weeks`` and ``follow_up_weeks`` scaled; PEACH's learning event weeks are
   kept. Timed in this process; peak RSS from one child per length. Target: 520 weeks in at
   most 4.4 times the 130-week time.
8. ``startup``: **start-up of the command**: wall time of ``qicsim --help``, of ``python -c
   "import qicsim.apps.cli.main"`` and of the default job (``qicsim run.replications=1``, in a fresh
   folder); and their import time under ``python -X importtime`` (the sum of the top-level
   imports' cumulative times: everything the process imported). Target: under 1 s of
   imports for ``--help`` and for the default job. Beside them, two floors measured the same
   way: ``import mesa, pandas`` alone, and every package the default job needs
   (``JOB_PACKAGES``); the job's total minus the second is what qicsim itself adds.
9. ``sweep``: **sweep throughput on 1 and 2 cores**, as ``bench_sweep.py`` does it: the real
   ``qicsim experiment=context_factorial`` (512 points x 10 replications = 5,120) through
   the joblib launcher with ``n_jobs`` 1 and 2, analyses off, in a fresh folder; replications
   per second and the 2-core / 1-core ratio. Target: at least 1.8. Several minutes.

A report, not a test: it exits 0 whether the targets are met or missed, and ends with one
``PASS`` or ``MISS`` line per target (``SKIP`` for one not measured). Run from the
repository root with the project's environment::

    python benchmarks/bench_speed.py                 # reference run -> benchmarks/results/speed.{json,md}
    python benchmarks/bench_speed.py --quick         # smoke run (about 1.5 minutes) -> speed-quick.{json,md}
    python benchmarks/bench_speed.py --skip-sweep --homes-timeout 600
    python benchmarks/bench_speed.py --only single numpy mesa --out /tmp/bench
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from bench_core import environment, load_average  # the same environment block as the core benchmark

import qicsim
import qicsim.run.runner  # a submodule: the package loads it lazily, so import it by name
from qicsim.run.folders import atomic_write

SCENARIO = "peach"
WARMUP_RUNS = 2
REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
SECTIONS = ("single", "batch", "numpy", "mesa", "weeks", "homes", "startup", "sweep")
FULL: dict[str, Any] = {"seeds": 30, "batch": 100, "floor_repeats": 30, "home_seeds": 5, "big_home_seeds": 2,
                        "week_seeds": 10, "startup_runs": 5, "sweep_reps": 10, "sweep_repeats": 1}
QUICK: dict[str, Any] = {"seeds": 10, "batch": 20, "floor_repeats": 30, "home_seeds": 2, "big_home_seeds": 0,
                         "week_seeds": 3, "startup_runs": 3, "sweep_reps": 1, "sweep_repeats": 1}
MIN_FULL = {"seeds": 30, "floor_repeats": 30, "startup_runs": 5}
HOME_SIZES = {29: None, 290: [10] * 29, 2900: [100] * 29}  # homes -> homes_per_site (None: PEACH's)
WEEK_FACTORS = (1, 2, 4)  # times PEACH's 78 + 52 weeks
QUICK_SWEEP_ONLY = "sweep.only=[remit_clarity,prior_partnership,protected_time,alignment,qi_coaching]"
NO_ANALYSIS = "sweep.analyse=false"

NUMPY_RATIO_TARGET = 4.0
HOMES_RATIO_TARGET = 110.0
HOMES_RSS_TARGET_MIB = 1024.0
WEEKS_RATIO_TARGET = 4.4
IMPORT_TARGET_S = 1.0
SWEEP_SPEEDUP_TARGET = 1.8


# --------------------------------------------------------------------------- command line


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse the command line, filling unset sizes from the full or quick defaults.

    Args:
        argv: Arguments without the program name (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments, every size set, and ``sections``: the sections to run, in order.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, no 2,900 homes, small sweep; writes speed-quick.* instead of speed.*")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results folder (default benchmarks/results)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, metavar="SECTION",
                        help=f"run only these sections: {', '.join(SECTIONS)}")
    parser.add_argument("--skip-sweep", action="store_true", help="leave out the sweep section (several minutes)")
    parser.add_argument("--seeds", type=int, help=f"single replications timed (default {FULL['seeds']})")
    parser.add_argument("--batch", type=int, help=f"replications in the simulate batch (default {FULL['batch']})")
    parser.add_argument("--floor-repeats", type=int, help=f"repeats of each floor (default {FULL['floor_repeats']})")
    parser.add_argument("--home-seeds", type=int,
                        help=f"seeds timed at 29 and 290 homes (default {FULL['home_seeds']})")
    parser.add_argument("--big-home-seeds", type=int,
                        help=f"seeds timed at 2,900 homes (default {FULL['big_home_seeds']}, 0 with --quick: skipped)")
    parser.add_argument("--homes-timeout", type=float, default=900.0,
                        help="seconds a homes child may run before it is killed (default 900)")
    parser.add_argument("--week-seeds", type=int, help=f"seeds timed at each length (default {FULL['week_seeds']})")
    parser.add_argument("--startup-runs", type=int,
                        help=f"runs of each start-up command (default {FULL['startup_runs']})")
    parser.add_argument("--sweep-reps", type=int,
                        help=f"replications per design point of the sweep (default {FULL['sweep_reps']}; "
                             "with --quick 1 and only 5 of the 9 factors)")
    parser.add_argument("--sweep-repeats", type=int,
                        help=f"times each core count runs the sweep (default {FULL['sweep_repeats']})")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # internal: a timing child process
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name, least in MIN_FULL.items():
        if getattr(args, name) < (2 if args.quick else least):
            parser.error(f"--{name.replace('_', '-')} must be at least {2 if args.quick else least}"
                         + ("" if args.quick else " (or use --quick)"))
    for name in ("batch", "home_seeds", "week_seeds", "sweep_reps", "sweep_repeats"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.big_home_seeds < 0:
        parser.error("--big-home-seeds must be at least 0")
    chosen = set(args.only or SECTIONS) - ({"sweep"} if args.skip_sweep else set())
    args.sections = [s for s in SECTIONS if s in chosen]
    return args


# --------------------------------------------------------------------------- statistics


def summarise(values: Sequence[float], digits: int = 2) -> dict[str, float]:
    """Median, min, max and interquartile range of timings (in their own unit).

    Args:
        values: At least one timing.
        digits: Decimals to round to.

    Returns:
        ``n``, ``median``, ``min``, ``max``, ``q1``, ``q3`` and ``iqr``.
    """
    if len(values) > 1:
        q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = q3 = values[0]
    stats = {"median": statistics.median(values), "min": min(values), "max": max(values),
             "q1": q1, "q3": q3, "iqr": q3 - q1}
    return {"n": len(values), **{k: round(v, digits) for k, v in stats.items()}}


def rounded(values: Sequence[float], digits: int = 3) -> list[float]:
    """The values rounded, as a list for JSON."""
    return [round(v, digits) for v in values]


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    """``a / b`` rounded, or None when either is missing or ``b`` is 0."""
    return round(a / b, digits) if a is not None and b else None


# --------------------------------------------------------------------------- 1, 2: PEACH in process


def peach_kwargs(**override: Any) -> dict[str, Any]:
    """PEACH's model keyword arguments, with some replaced."""
    return qicsim.run.runner.model_kwargs(qicsim.scenario_config(SCENARIO)) | override


def time_replication(seed: int, kwargs: dict[str, Any]) -> tuple[float, float, qicsim.QICModel]:
    """Set-up and run wall time (ms) of one replication, after a garbage collection; and the model."""
    gc.collect()
    start = time.perf_counter()
    model = qicsim.QICModel(seed=seed, **kwargs)
    built = time.perf_counter()
    model.run()
    done = time.perf_counter()
    return (built - start) * 1e3, (done - built) * 1e3, model


def bench_single(n_seeds: int) -> dict[str, Any]:
    """Time single PEACH replications, one per seed, after the warm-up runs.

    Args:
        n_seeds: How many seeds to time.

    Returns:
        Summaries (ms) of set-up, run and total, the raw timings and the staff size of the
        first timed seed's model (the floors' array and agent count).
    """
    cfg = qicsim.scenario_config(SCENARIO)
    kwargs = qicsim.run.runner.model_kwargs(cfg)
    master = cfg.run.seed
    for i in range(WARMUP_RUNS):  # seeds after the timed ones, so no timed seed is pre-run
        time_replication(qicsim.replication_seed(master, n_seeds + i), kwargs)
    setup, run, staff = [], [], []
    for i in range(n_seeds):
        a, b, model = time_replication(qicsim.replication_seed(master, i), kwargs)
        setup.append(a)
        run.append(b)
        staff.append(model.staff.n)
        del model
    total = [a + b for a, b in zip(setup, run, strict=True)]
    return {"master_seed": master, "warmup_runs": WARMUP_RUNS, "staff_n": staff[0],
            "staff_n_range": [min(staff), max(staff)], "homes": sum(kwargs["homes_per_site"]),
            "setup_ms": summarise(setup), "run_ms": summarise(run), "total_ms": summarise(total),
            "raw_ms": {"setup": rounded(setup), "run": rounded(run)}}


def staff_size() -> int:
    """``model.staff.n`` of a built PEACH model (the first replication's seed)."""
    cfg = qicsim.scenario_config(SCENARIO)
    return qicsim.QICModel(seed=qicsim.replication_seed(cfg.run.seed, 0), **qicsim.run.runner.model_kwargs(cfg)).staff.n


def bench_batch(n_replications: int) -> dict[str, Any]:
    """Time ``qicsim.simulate`` on a batch of PEACH replications (a 2-replication batch warms up first).

    Args:
        n_replications: Replications in the batch.

    Returns:
        Seconds for the batch, replications per second and ms per replication.
    """
    qicsim.simulate(qicsim.scenario_config(SCENARIO, replications=2))
    cfg = qicsim.scenario_config(SCENARIO, replications=n_replications)
    seconds = timed(lambda: qicsim.simulate(cfg))
    return {"replications": n_replications, "seconds": round(seconds, 3),
            "replications_per_s": round(n_replications / seconds, 1),
            "ms_per_replication": round(seconds / n_replications * 1e3, 2)}


def timed(work: Callable[[], object]) -> float:
    """Seconds taken by ``work()``, after a garbage collection."""
    gc.collect()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


# --------------------------------------------------------------------------- 3, 4: floors

NUMPY_CALLS_PER_WEEK = 25


def numpy_weeks(n: int, n_homes: int, weeks: int, seed: int) -> float:
    """What a vectorised model's weeks cost at the least: 25 NumPy calls a week on ``n``-arrays.

    The calls are the kinds a week of the model makes: draws from a ``Generator``, arithmetic,
    comparisons, ``where``, ``clip``, a ``bincount`` per home, reductions and indexing.

    Args:
        n: Array size (the staff).
        n_homes: Bins of the per-home ``bincount``.
        weeks: Weeks to run.
        seed: Seed of the generator.

    Returns:
        A number derived from the arrays, so that nothing is optimised away.
    """
    rng = np.random.default_rng(seed)
    home = np.arange(n) % n_homes
    a = rng.random(n)
    b = rng.random(n)
    acc = 0.0
    for _ in range(weeks):
        present = rng.random(n) < 0.9  # 1 draw, 2 compare
        noise = rng.normal(0.0, 0.05, n)  # 3
        a = a * 0.98  # 4
        a = a + noise  # 5
        a = np.clip(a, 0.0, 1.0)  # 6
        active = np.where(present, a, 0.0)  # 7
        per_home = np.bincount(home, weights=active, minlength=n_homes)  # 8
        busy = per_home > 0.5  # 9
        n_busy = busy.sum()  # 10
        b = np.maximum(b, active)  # 11
        leave = rng.random(n) < 0.01  # 12 draw, 13 compare
        b = np.where(leave, 0.0, b)  # 14
        success = rng.binomial(1, 0.1, n)  # 15
        gain = success * a  # 16
        total = gain.sum()  # 17
        idx = np.flatnonzero(present)  # 18
        chosen = a[idx]  # 19
        low = np.minimum(a, b)  # 20
        spread = low @ a  # 21
        pick = rng.integers(0, n, 4)  # 22
        b[pick] += 0.1  # 23
        mean = b.mean()  # 24
        high = np.count_nonzero(chosen > mean)  # 25 (the compare is a 26th, small)
        acc += float(total) + float(spread) + float(n_busy) + float(high)
    return acc


def bench_numpy_floor(n: int, n_homes: int, weeks: int, repeats: int) -> dict[str, Any]:
    """Time :func:`numpy_weeks` ``repeats`` times (after one warm-up), in ms."""
    numpy_weeks(n, n_homes, weeks, seed=10_000)
    times = [timed(lambda s=seed: numpy_weeks(n, n_homes, weeks, s)) * 1e3 for seed in range(repeats)]
    return {"array_size": n, "bins": n_homes, "weeks": weeks, "calls_per_week": NUMPY_CALLS_PER_WEEK,
            "repeats": repeats, "ms": summarise(times), "raw_ms": rounded(times)}


class TrivialAgent(mesa.Agent):
    """An agent whose step does nothing."""

    def step(self) -> None:
        """Nothing."""


class TrivialModel(mesa.Model):
    """A Mesa model of ``n`` trivial agents that stops after ``weeks`` steps, as QICModel does."""

    def __init__(self, n: int, weeks: int, seed: int) -> None:
        super().__init__(rng=seed)
        self.weeks = weeks
        self.week = 0
        for _ in range(n):
            TrivialAgent(self)

    def step(self) -> None:
        """Call every agent's ``step()``, one by one."""
        self.agents.do("step")
        self.week += 1
        self.running = self.week < self.weeks


def mesa_weeks(n: int, weeks: int, seed: int) -> int:
    """Build a :class:`TrivialModel` and run it with Mesa's loop; its step count."""
    model = TrivialModel(n, weeks, seed)
    model.run_model()
    return model.week


def bench_mesa_floor(n: int, weeks: int, repeats: int) -> dict[str, Any]:
    """Time :func:`mesa_weeks` ``repeats`` times (after one warm-up), construction included, in ms."""
    mesa_weeks(n, weeks, seed=10_000)
    times = [timed(lambda s=seed: mesa_weeks(n, weeks, s)) * 1e3 for seed in range(repeats)]
    return {"agents": n, "weeks": weeks, "repeats": repeats, "ms": summarise(times), "raw_ms": rounded(times)}


# --------------------------------------------------------------------------- child processes


def child_main(spec_json: str) -> int:
    """In a child process: one PEACH warm-up run, then time the given seeds with the given override.

    Args:
        spec_json: JSON of ``{"override": {...}, "seeds": [...], "out": path}``; one JSON line
            per finished seed is appended to ``out`` (so a killed child keeps what it did).

    Returns:
        0.
    """
    spec = json.loads(spec_json)
    kwargs = peach_kwargs()
    time_replication(seeds_of(1, 10_000)[0], kwargs)  # warm-up at PEACH size, a seed no child times
    kwargs |= spec["override"]
    with open(spec["out"], "a", encoding="utf-8") as out:
        for seed in spec["seeds"]:
            setup, run, model = time_replication(seed, kwargs)
            out.write(json.dumps({"seed": seed, "setup_s": setup / 1e3, "run_s": run / 1e3,
                                  "homes": len(model.homes), "staff_n": model.staff.n,
                                  "weeks": model.total_weeks}) + "\n")
            out.flush()
            del model
    return 0


# A child's ru_maxrss starts from the peak of the process that forked it (Linux copies the old
# memory's high-water mark at exec), so a child forked from this benchmark, which has grown to
# hundreds of MiB, would report at least that. Children are therefore started by this small
# launcher (about 10 MiB), which waits for its one child and prints that child's figures.
LAUNCHER = """
import json, os, subprocess, sys, time
timeout = float(sys.argv[1])
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)
killed = False
while True:
    pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
    if pid:
        break
    if timeout and time.perf_counter() - start > timeout:
        proc.kill()
        _, status, usage = os.wait4(proc.pid, 0)
        killed = True
        break
    time.sleep(0.05)
proc.returncode = os.waitstatus_to_exitcode(status)
print(json.dumps({"maxrss_kib": usage.ru_maxrss, "exit": proc.returncode, "timeout": killed,
                  "wall_s": time.perf_counter() - start}))
"""


def run_child(args: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run a child in a fresh folder through :data:`LAUNCHER`: its peak RSS (``os.wait4``), wall time, exit code.

    Args:
        args: The command.
        timeout: Seconds after which the child is killed (None: no limit).

    Returns:
        ``peak_rss_mib`` (of the child alone), ``wall_s``, ``exit`` and ``timeout`` (True if it
        was killed); ``stderr_tail`` if it failed.
    """
    with tempfile.TemporaryDirectory(prefix="bench_speed_") as cwd:
        proc = subprocess.run([sys.executable, "-c", LAUNCHER, str(timeout or 0), *args], cwd=cwd,
                              capture_output=True, text=True, check=False)
    try:
        info = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        return {"peak_rss_mib": None, "wall_s": None, "exit": proc.returncode, "timeout": False,
                "stderr_tail": proc.stderr[-2000:]}
    result = {"peak_rss_mib": round(info["maxrss_kib"] / 1024, 1), "wall_s": round(info["wall_s"], 2),
              "exit": info["exit"], "timeout": info["timeout"]}
    if info["exit"] != 0 and not info["timeout"]:
        result["stderr_tail"] = proc.stderr[-2000:]
    return result


def timing_child(override: dict[str, Any], seeds: list[int], timeout: float | None) -> dict[str, Any]:
    """Run :func:`child_main` in a child process: its per-seed timings and its peak RSS."""
    with tempfile.TemporaryDirectory(prefix="bench_speed_child_") as tmp:
        out = Path(tmp) / "seeds.jsonl"
        out.touch()
        spec = json.dumps({"override": override, "seeds": seeds, "out": str(out)})
        info = run_child([sys.executable, str(Path(__file__).resolve()), "--child", spec], timeout)
        done = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    totals = [d["setup_s"] + d["run_s"] for d in done]
    return info | {"seeds_asked": len(seeds), "seeds_done": len(done),
                   "total_s": summarise(totals, 4) if totals else None,
                   "setup_s": summarise([d["setup_s"] for d in done], 4) if done else None,
                   "run_s": summarise([d["run_s"] for d in done], 4) if done else None,
                   "raw": [{k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()} for d in done]}


def seeds_of(n: int, offset: int = 0) -> list[int]:
    """The first ``n`` PEACH replication seeds, from index ``offset``."""
    master = qicsim.scenario_config(SCENARIO).run.seed
    return [qicsim.replication_seed(master, offset + i) for i in range(n)]


# --------------------------------------------------------------------------- 6, 7: scaling


def bench_homes(home_seeds: int, big_home_seeds: int, timeout: float) -> dict[str, Any]:
    """Seconds per replication and peak RSS at 29, 290 and 2,900 homes, each in its own child.

    Args:
        home_seeds: Seeds timed at 29 and 290 homes.
        big_home_seeds: Seeds timed at 2,900 homes (0: not run).
        timeout: Seconds before a child is killed.

    Returns:
        The import-only floor and, per size, the child's timings, peak RSS and status.
    """
    floor = run_child([sys.executable, "-c", "import qicsim"])
    sizes: dict[str, Any] = {}
    for homes, per_site in HOME_SIZES.items():
        n = big_home_seeds if homes >= 2900 else home_seeds
        if n == 0:
            sizes[str(homes)] = {"skipped": True}
            continue
        override = {} if per_site is None else {"homes_per_site": per_site}
        row = timing_child(override, seeds_of(n), timeout)
        sizes[str(homes)] = row | {"sites": len(per_site or peach_kwargs()["homes_per_site"]), "homes": homes}
        print(f"  homes {homes:>5}: {describe_child(row)}", flush=True)
    base = (sizes["29"].get("total_s") or {}).get("median")
    for row in sizes.values():
        if row.get("total_s"):
            row["ratio_to_29"] = ratio(row["total_s"]["median"], base, 1)
    return {"import_floor": floor, "timeout_s": timeout, "sizes": sizes}


def describe_child(row: dict[str, Any]) -> str:
    """One line on a timing child: median seconds, seeds done, peak RSS, status."""
    median = f"{row['total_s']['median']:.3f} s median" if row.get("total_s") else "no seed finished"
    status = "TIMEOUT" if row["timeout"] else f"exit {row['exit']}"
    return (f"{median} ({row['seeds_done']}/{row['seeds_asked']} seeds), "
            f"peak RSS {fmt(row['peak_rss_mib'], '.0f')} MiB, {fmt(row['wall_s'], '.1f')} s wall, {status}")


def bench_weeks(n_seeds: int) -> dict[str, Any]:
    """Seconds per replication at 130, 260 and 520 weeks (in process), peak RSS from one child each.

    Args:
        n_seeds: Seeds timed at each length.

    Returns:
        Per length: timings (ms), ratio to 130 weeks, and the child's peak RSS.
    """
    base = peach_kwargs()
    support, follow_up = base["collaborative_weeks"], base["follow_up_weeks"]
    lengths: dict[str, Any] = {}
    variants = {factor: base | {"collaborative_weeks": support * factor, "follow_up_weeks": follow_up * factor}
                for factor in WEEK_FACTORS}
    for kwargs in variants.values():  # warm-up each length once
        time_replication(seeds_of(1, 10_000)[0], kwargs)
    seeds = seeds_of(n_seeds)
    times: dict[int, list[float]] = {f: [] for f in WEEK_FACTORS}
    for seed in seeds:  # lengths interleaved, so a change in load touches them alike
        for factor, kwargs in variants.items():
            setup, run, _ = time_replication(seed, kwargs)
            times[factor].append(setup + run)
    for factor in WEEK_FACTORS:
        override = {"collaborative_weeks": support * factor, "follow_up_weeks": follow_up * factor}
        child = timing_child(override, seeds[:1], None)
        weeks = (support + follow_up) * factor
        lengths[str(weeks)] = {"collaborative_weeks": support * factor, "follow_up_weeks": follow_up * factor,
                               "total_ms": summarise(times[factor]), "raw_ms": rounded(times[factor]),
                               "child_peak_rss_mib": child["peak_rss_mib"], "child_exit": child["exit"]}
    base_ms = lengths[str(support + follow_up)]["total_ms"]["median"]
    for row in lengths.values():
        row["ratio_to_130"] = ratio(row["total_ms"]["median"], base_ms)
    return {"seeds": n_seeds, "learning_event_weeks": base["learning_event_weeks"], "lengths": lengths}


# --------------------------------------------------------------------------- 8: start-up


def script(name: str) -> Path:
    """A console script of this environment (next to ``sys.executable``)."""
    return Path(sys.executable).with_name(name)


def import_times(stderr: str) -> dict[str, float]:
    """Parse ``-X importtime`` output: all imports, the ``qicsim.apps.cli.main`` line and qicsim's own modules, in s.

    Each line reads ``import time: <self us> | <cumulative us> | <indent><module>``; a
    top-level import has no indent beyond the one space, and its cumulative time includes
    everything it imported, so the top-level lines add up to all the process's imports.
    qicsim's own is the sum of the self times of its modules (``qicsim`` and ``qicsim.*``):
    what the package adds on top of the packages it imports, read off the same run.
    """
    total = 0.0
    own = 0.0
    cli = None
    for line in stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.split("|")
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue  # the header line
        name = parts[2][1:]
        module = name.strip()
        if module == "qicsim" or module.startswith("qicsim."):
            own += int(parts[0].split(":")[1]) / 1e6
        if name.startswith(" "):
            continue  # nested: counted in its parent's cumulative time
        cumulative = int(parts[1]) / 1e6
        total += cumulative
        if name.strip() == "qicsim.apps.cli.main":
            cli = cumulative
    return {"total_s": round(total, 4), "qicsim_cli_s": round(cli, 4) if cli is not None else None,
            "qicsim_own_s": round(own, 4)}


JOB_PACKAGES = ("mesa", "pandas", "hydra", "omegaconf", "pyarrow.parquet", "matplotlib.pyplot")
"""What the default job imports that is not qicsim: the model (Mesa, whose 3.5 brings SciPy and
networkx), its tables (pandas, Parquet), the command line (Hydra) and the figure (Matplotlib)."""


def run_timed(args: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to the end in a fresh folder; its wall time and the completed process."""
    with tempfile.TemporaryDirectory(prefix="bench_speed_start_") as cwd:
        start = time.perf_counter()
        proc = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
        return time.perf_counter() - start, proc


def bench_startup(runs: int) -> dict[str, Any]:
    """Wall time and import time of ``qicsim --help``, of importing ``qicsim.apps.cli.main`` and of the default job.

    Args:
        runs: Runs of each command (each way).

    Returns:
        Per command: wall-time summary (s), import-time summaries (s) and raw values.
    """
    qicsim_cmd = str(script("qicsim"))
    commands = {"help": [qicsim_cmd, "--help"], "import_cli": [sys.executable, "-c", "import qicsim.apps.cli.main"],
                "default_job": [qicsim_cmd, "run.replications=1"],
                "floor_mesa_pandas": [sys.executable, "-c", "import mesa, pandas"],
                "floor_job_packages": [sys.executable, "-c", f"import {', '.join(JOB_PACKAGES)}"]}
    labels = {"help": "`qicsim --help`", "import_cli": '`python -c "import qicsim.apps.cli.main"`',
              "default_job": "`qicsim run.replications=1` (default job, figure on)",
              "floor_mesa_pandas": 'floor: `python -c "import mesa, pandas"`',
              "floor_job_packages": f'floor: `python -c "import {", ".join(JOB_PACKAGES)}"`'}
    result: dict[str, Any] = {}
    for key, command in commands.items():
        walls, totals, clis, owns, errors = [], [], [], [], []
        for _ in range(runs):
            wall, proc = run_timed(command)
            walls.append(wall)
            if proc.returncode != 0:
                errors.append(proc.stderr[-1000:])
            python = command[1:] if command[0] == sys.executable else command  # run by this interpreter
            _, traced = run_timed([sys.executable, "-X", "importtime", *python])
            parsed = import_times(traced.stderr)
            totals.append(parsed["total_s"])
            owns.append(parsed["qicsim_own_s"])
            if parsed["qicsim_cli_s"] is not None:
                clis.append(parsed["qicsim_cli_s"])
        result[key] = {"label": labels[key], "command": command, "runs": runs, "wall_s": summarise(walls, 3),
                       "imports_total_s": summarise(totals, 3),
                       "imports_qicsim_cli_s": summarise(clis, 3) if clis else None,
                       "imports_qicsim_own_s": summarise(owns, 3),
                       "raw": {"wall_s": rounded(walls), "imports_total_s": rounded(totals),
                               "imports_qicsim_cli_s": rounded(clis), "imports_qicsim_own_s": rounded(owns)}}
        if errors:
            result[key]["errors"] = errors[:1]
        print(f"  {key}: wall {result[key]['wall_s']['median']:.2f} s, imports "
              f"{result[key]['imports_total_s']['median']:.2f} s (medians of {runs})", flush=True)
    return result


# --------------------------------------------------------------------------- 9: sweep


def timed_sweep(overrides: list[str]) -> dict[str, Any]:
    """Run ``qicsim experiment=context_factorial ...`` in a fresh folder (as bench_sweep.py does).

    Returns:
        Wall seconds, replications (rows of the collected dataset), the jobs' summed
        ``compute_seconds``, or an ``error`` with the end of stderr.
    """
    command = [str(script("qicsim")), "experiment=context_factorial", *overrides]
    with tempfile.TemporaryDirectory(prefix="bench_speed_sweep_") as tmp:
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=tmp, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        found = sorted((Path(tmp) / "results" / "sweeps").glob("*/dataset.json"))
        if proc.returncode != 0 or not found:
            return {"wall_s": round(wall, 2), "error": proc.stderr[-2000:] or f"exit {proc.returncode}"}
        info = json.loads(found[0].read_text())
    return {"wall_s": round(wall, 2), "replications": info["rows"], "jobs": info["jobs"],
            "compute_s": info.get("compute_seconds")}


def bench_sweep(reps: int, repeats: int, quick: bool) -> dict[str, Any]:
    """Replications per second of context_factorial through joblib with 1 and with 2 workers, alternated.

    Args:
        reps: Replications per design point.
        repeats: Runs per core count.
        quick: Restrict the design to 5 of its 9 factors (32 points).

    Returns:
        Per core count the runs and the median rate; the 2-core / 1-core ratio of the medians.
    """
    base = [f"run.replications={reps}", NO_ANALYSIS, "hydra/launcher=joblib", *([QUICK_SWEEP_ONLY] if quick else [])]
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for _ in range(repeats):
        for cores in (1, 2):
            run = timed_sweep([*base, f"hydra.launcher.n_jobs={cores}"])
            if "replications" in run:
                run["replications_per_s"] = round(run["replications"] / run["wall_s"], 2)
            runs[cores].append(run)
            print(f"  sweep on {cores} core{'s' if cores > 1 else ''}: "
                  + (f"{run['replications']} replications in {run['wall_s']:.1f} s"
                     if "replications" in run else "FAILED"), flush=True)
    rates = {c: [r["replications_per_s"] for r in rs if "replications_per_s" in r] for c, rs in runs.items()}
    median = {c: statistics.median(r) if r else None for c, r in rates.items()}
    return {"overrides": ["experiment=context_factorial", *base], "runs": {str(c): r for c, r in runs.items()},
            "replications": next((r["replications"] for rs in runs.values() for r in rs if "replications" in r),
                                 None),
            "median_rate_per_s": {str(c): (round(m, 2) if m else None) for c, m in median.items()},
            "speedup": ratio(median[2], median[1])}


# --------------------------------------------------------------------------- gathering, targets


def run_section(name: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run one section, timing it; an exception is recorded (and printed), not raised."""
    print(f"[{name}] ...", flush=True)
    start = time.perf_counter()
    try:
        result = work()
    except Exception as error:  # a report: one broken section must not lose the others
        traceback.print_exc()
        result = {"error": f"{type(error).__name__}: {error}"}
    result["section_s"] = round(time.perf_counter() - start, 1)
    print(f"[{name}] done in {result['section_s']:.1f} s", flush=True)
    return result


def run_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Run the chosen sections and gather the result document (what ``speed.json`` holds)."""
    env = environment()  # load average before we add our own
    result: dict[str, Any] = {"benchmark": "speed", "scenario": SCENARIO, "quick": args.quick,
                              "sections_run": args.sections,
                              "settings": {k: getattr(args, k) for k in FULL} | {"homes_timeout_s": args.homes_timeout}}
    sections: dict[str, Any] = {}
    n_staff: int | None = None
    for name in args.sections:
        if name in ("numpy", "mesa") and n_staff is None:
            n_staff = staff_size()
        sections[name] = run_section(name, section_work(name, args, n_staff))
        if name == "single":
            n_staff = sections[name].get("staff_n")
    result["sections"] = sections
    result["ratios"] = ratios(sections)
    result["targets"] = targets(sections, result["ratios"])
    env["load_average_1m"]["end"] = load_average()
    result["environment"] = env
    return result


def section_work(name: str, args: argparse.Namespace, n_staff: int | None) -> Callable[[], dict[str, Any]]:
    """The measurement of one section, ready to call.

    Args:
        name: One of :data:`SECTIONS`.
        args: Parsed command line.
        n_staff: The PEACH staff size, the floors' array size and agent count.
    """
    structure = peach_kwargs()
    weeks = structure["collaborative_weeks"] + structure["follow_up_weeks"]
    n_homes = sum(structure["homes_per_site"])
    return {
        "single": partial(bench_single, args.seeds),
        "batch": partial(bench_batch, args.batch),
        "numpy": partial(bench_numpy_floor, n_staff, n_homes, weeks, args.floor_repeats),
        "mesa": partial(bench_mesa_floor, n_staff, weeks, args.floor_repeats),
        "weeks": partial(bench_weeks, args.week_seeds),
        "homes": partial(bench_homes, args.home_seeds, args.big_home_seeds, args.homes_timeout),
        "startup": partial(bench_startup, args.startup_runs),
        "sweep": partial(bench_sweep, args.sweep_reps, args.sweep_repeats, args.quick),
    }[name]


def median_of(sections: dict[str, Any], *path: str) -> float | None:
    """A nested value of the sections, or None if any step is missing."""
    value: Any = sections
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def ratios(sections: dict[str, Any]) -> dict[str, Any]:
    """The PEACH median total against the floors, and the batch against single replications."""
    peach = median_of(sections, "single", "total_ms", "median")
    return {"peach_over_numpy_floor": ratio(peach, median_of(sections, "numpy", "ms", "median")),
            "peach_over_mesa_floor": ratio(peach, median_of(sections, "mesa", "ms", "median")),
            "batch_over_single": ratio(median_of(sections, "batch", "ms_per_replication"), peach)}


def target(name: str, measured: float | None, limit: float, op: str, unit: str = "",
           note: str = "") -> dict[str, Any]:
    """One target: its measured value against the limit (``<=``, ``<`` or ``>=``); None is not measured."""
    if measured is None:
        status = "MISS" if note.startswith("timeout") else "SKIP"
    else:
        ok = {"<=": measured <= limit, "<": measured < limit, ">=": measured >= limit}[op]
        status = "PASS" if ok else "MISS"
    return {"name": name, "measured": measured, "target": f"{op} {limit:g}{unit}", "unit": unit,
            "status": status, "note": note}


def targets(sections: dict[str, Any], rat: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its status (PASS, MISS, or SKIP when its sections were not run)."""
    big = median_of(sections, "homes", "sizes", "2900") or {}
    big_note = ""
    if big.get("timeout"):
        big_note = (f"timeout after {big['wall_s']:.0f} s ({big['seeds_done']}/{big['seeds_asked']} seeds done); "
                    f"peak RSS when killed {big['peak_rss_mib']:.0f} MiB")
    elif big.get("skipped"):
        big_note = "2,900 homes not run"
    big_rss = big.get("peak_rss_mib") if big.get("seeds_done") else None
    if big.get("timeout") and (big.get("peak_rss_mib") or 0) > HOMES_RSS_TARGET_MIB:
        big_rss = big["peak_rss_mib"]  # already over when killed: a miss whatever came after
    long = median_of(sections, "weeks", "lengths", "520", "ratio_to_130")
    return [
        target("one PEACH replication / NumPy floor (medians)", rat["peach_over_numpy_floor"], NUMPY_RATIO_TARGET,
               "<=", "x"),
        target("2,900 homes / 29 homes, seconds per replication", big.get("ratio_to_29"), HOMES_RATIO_TARGET,
               "<=", "x", big_note),
        target("2,900 homes, peak RSS of the child", big_rss, HOMES_RSS_TARGET_MIB, "<=", " MiB", big_note),
        target("520 weeks / 130 weeks, seconds per replication", long, WEEKS_RATIO_TARGET, "<=", "x"),
        target("imports of `qicsim --help` (median)", median_of(sections, "startup", "help", "imports_total_s",
                                                                 "median"), IMPORT_TARGET_S, "<", " s"),
        target("imports of the default job (median)", median_of(sections, "startup", "default_job",
                                                                 "imports_total_s", "median"), IMPORT_TARGET_S,
               "<", " s"),
        target("sweep speed-up, 2 cores / 1 core", median_of(sections, "sweep", "speedup"), SWEEP_SPEEDUP_TARGET,
               ">=", "x"),
    ]


# --------------------------------------------------------------------------- Markdown


def fmt(value: float | None, spec: str = ".1f", unit: str = "") -> str:
    """A number formatted, or an en dash for a missing one."""
    return "–" if value is None else f"{value:{spec}}{unit}"


def render_markdown(result: dict[str, Any]) -> str:
    """A Markdown report of a result document: targets, one table per section, environment."""
    s, rat, env = result["sections"], result["ratios"], result["environment"]
    lines = [f"# Speed benchmark{' (quick)' if result['quick'] else ''}: {result['scenario']}", "",
             "## Targets", "", "| target | measured | limit | status |", "|---|---:|---|---|"]
    for t in result["targets"]:
        measured = fmt(t["measured"], ".2f" if t["unit"] != " MiB" else ".0f", t["unit"])
        note = f" ({t['note']})" if t["note"] else ""
        lines.append(f"| {t['name']} | {measured} | {t['target']} | **{t['status']}**{note} |")
    lines.append("")
    for name, section in s.items():
        if "error" in section:
            lines += [f"## {name}", "", f"Failed: `{section['error']}`", ""]
    if "total_ms" in s.get("single", {}):
        one = s["single"]
        lines += [f"## One PEACH replication ({one['total_ms']['n']} seeds, {one['warmup_runs']} warm-up runs; "
                  f"{one['homes']} homes, staff {one['staff_n']}), ms", "",
                  "| phase | median | min | max | IQR |", "|---|---:|---:|---:|---:|",
                  *(f"| {label} | {x['median']:.1f} | {x['min']:.1f} | {x['max']:.1f} | {x['iqr']:.1f} |"
                    for label, x in (("set-up", one["setup_ms"]), ("run", one["run_ms"]),
                                     ("total", one["total_ms"]))), ""]
    if "seconds" in s.get("batch", {}):
        b = s["batch"]
        lines += [f"## Batch of {b['replications']} through `qicsim.simulate` (with tables)", "",
                  "| s | replications/s | ms/replication | ratio to one replication |", "|---:|---:|---:|---:|",
                  f"| {b['seconds']:.2f} | {b['replications_per_s']:.1f} | {b['ms_per_replication']:.1f} | "
                  f"{fmt(rat['batch_over_single'], '.2f')} |", ""]
    if "ms" in s.get("numpy", {}) or "ms" in s.get("mesa", {}):
        lines += ["## Floors and ratios (130 weeks), ms", "",
                  "| floor | size | median | min | max | PEACH median / floor median |",
                  "|---|---|---:|---:|---:|---:|"]
        if "ms" in s.get("numpy", {}):
            x = s["numpy"]
            lines.append(f"| NumPy: {x['calls_per_week']} calls a week | arrays of {x['array_size']} | "
                         f"{x['ms']['median']:.2f} | {x['ms']['min']:.2f} | {x['ms']['max']:.2f} | "
                         f"{fmt(rat['peach_over_numpy_floor'], '.2f')} |")
        if "ms" in s.get("mesa", {}):
            x = s["mesa"]
            lines.append(f"| Mesa: every agent's empty `step()` each week, construction included | "
                         f"{x['agents']} agents | {x['ms']['median']:.2f} | {x['ms']['min']:.2f} | "
                         f"{x['ms']['max']:.2f} | {fmt(rat['peach_over_mesa_floor'], '.2f')} |")
        lines += [f"\n{s.get('numpy', s.get('mesa'))['repeats']} repeats each, after one warm-up.", ""]
    if "sizes" in s.get("homes", {}):
        h = s["homes"]
        lines += ["## Scaling in homes (each size in its own child process)", "",
                  "| homes | sites | seeds done | s per replication (median) | set-up s | run s | "
                  "ratio to 29 homes | peak RSS MiB | status |", "|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
        for homes, row in h["sizes"].items():
            if row.get("skipped"):
                lines.append(f"| {int(homes):,} | | | | | | | | not run |")
                continue
            status = f"timeout ({row['wall_s']:.0f} s)" if row["timeout"] else (
                "ok" if row["exit"] == 0 else f"exit {row['exit']}")
            lines.append(f"| {int(homes):,} | {row['sites']} | {row['seeds_done']}/{row['seeds_asked']} | "
                         f"{fmt((row['total_s'] or {}).get('median'), '.3f')} | "
                         f"{fmt((row['setup_s'] or {}).get('median'), '.3f')} | "
                         f"{fmt((row['run_s'] or {}).get('median'), '.3f')} | "
                         f"{fmt(row.get('ratio_to_29'), '.1f')} | {fmt(row['peak_rss_mib'], '.0f')} | {status} |")
        lines += ["", f"A child that only imports qicsim: {fmt(h['import_floor']['peak_rss_mib'], '.0f')} MiB. "
                      f"Timeout per child: {h['timeout_s']:.0f} s.", ""]
    if "lengths" in s.get("weeks", {}):
        w = s["weeks"]
        lines += [f"## Scaling in weeks ({w['seeds']} seeds, in process; learning events at weeks "
                  f"{w['learning_event_weeks']})", "",
                  "| weeks | support + follow-up | ms per replication (median) | min | ratio to 130 weeks | "
                  "peak RSS MiB (child) |", "|---:|---|---:|---:|---:|---:|"]
        for weeks, row in w["lengths"].items():
            lines.append(f"| {weeks} | {row['collaborative_weeks']} + {row['follow_up_weeks']} | "
                         f"{row['total_ms']['median']:.1f} | {row['total_ms']['min']:.1f} | "
                         f"{fmt(row['ratio_to_130'], '.2f')} | {fmt(row['child_peak_rss_mib'], '.0f')} |")
        lines.append("")
    if "help" in s.get("startup", {}):
        st = s["startup"]
        lines += [f"## Start-up ({st['help']['runs']} runs each, medians), s", "",
                  "| command | wall | imports, total | of which `qicsim.apps.cli.main` line "
                  "| of which qicsim's own modules |",
                  "|---|---:|---:|---:|---:|"]
        keys = ("help", "import_cli", "default_job", "floor_mesa_pandas", "floor_job_packages")
        for row in (st[k] for k in keys if k in st):
            cli = (row["imports_qicsim_cli_s"] or {}).get("median")
            own = (row.get("imports_qicsim_own_s") or {}).get("median")
            lines.append(f"| {row['label']} | {row['wall_s']['median']:.2f} | {row['imports_total_s']['median']:.2f} "
                         f"| {fmt(cli, '.2f')} | {fmt(own, '.2f')} |")
        lines += ["", "Imports: the sum of the top-level cumulative times of `python -X importtime` "
                      "(a separate run from the wall time); qicsim's own: the self times of its modules in "
                      "the same trace. The floors import packages only (no qicsim).", ""]
    if "runs" in s.get("sweep", {}):
        sw = s["sweep"]
        lines += [f"## Sweep throughput: context_factorial, {fmt(sw['replications'], 'd')} replications, "
                  "joblib launcher", "", "| cores | wall s (each run) | replications/s (median) |", "|---:|---|---:|"]
        for cores, runs in sw["runs"].items():
            walls = ", ".join(f"{r['wall_s']:.1f}" + ("" if "replications" in r else " (failed)") for r in runs)
            lines.append(f"| {cores} | {walls} | {fmt(sw['median_rate_per_s'][cores], '.1f')} |")
        lines += ["", f"Speed-up on 2 cores: {fmt(sw['speedup'], '.2f')}x. Overrides: `{' '.join(sw['overrides'])}`.",
                  ""]
    lines += [f"Environment: Python {env['python']}, Mesa {env['mesa']}, NumPy {env['numpy']}, qicsim {env['qicsim']}, "
              f"{env['platform']}, {env['cpus_usable']} usable of {env['cpu_count']} CPUs, 1-min load average "
              f"{env['load_average_1m']['start']} at start and {env['load_average_1m']['end']} at end, "
              f"{env['date']}, commit `{env['git_commit']}`.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, write ``speed.json`` and ``speed.md`` (or ``speed-quick.*``), print a summary.

    Returns:
        0, whether the targets are met or missed.
    """
    args = parse_args(argv)
    if args.child is not None:
        return child_main(args.child)
    result = run_benchmark(args)
    stem = "speed-quick" if args.quick else "speed"
    markdown = render_markdown(result)
    args.out.mkdir(parents=True, exist_ok=True)
    atomic_write(args.out / f"{stem}.json", lambda p: p.write_text(json.dumps(result, indent=2) + "\n"))
    atomic_write(args.out / f"{stem}.md", lambda p: p.write_text(markdown))
    print(markdown)
    print(f"results in {args.out / stem}.json and .md")
    for t in result["targets"]:
        measured = fmt(t["measured"], ".2f" if t["unit"] != " MiB" else ".0f", t["unit"])
        print(f"{t['status']}: {t['name']}: {measured} (target {t['target']})"
              + (f"; {t['note']}" if t["note"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
