"""Benchmark of the run estimate: measured peak memory and time of ``qicsim`` runs against :mod:`qicsim.run.estimate`.

Each size runs the real command as a child in a fresh folder (``bench_speed.run_child``: the
child's own peak RSS and wall time) and prints the estimate beside it, so that the per-unit
figures in ``qicsim/run/estimate.py`` can be checked, or measured again, on another machine.
The estimate is meant within a factor of 2 (memory) and of 3 (time, which varies most with the
machine). A report, not a test: it exits 0 and ends with a ``PASS`` or ``MISS`` line.

Run from the repository root with the project's environment::

    python benchmarks/bench_estimate.py            # 5 sizes, up to 1,200 homes (about 2 minutes)
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench_speed import run_child

import qicsim
from qicsim.run.estimate import estimate

# (homes per site, sites, replications): the default size, many replications, big sites, many sites.
SIZES = ((7, 4, 1), (7, 4, 100), (100, 4, 1), (100, 4, 5), (100, 12, 1))
MEMORY_FACTOR, TIME_FACTOR = 2.0, 3.0


def main() -> int:
    """Measure each size, print it beside its estimate, and say whether all are within the factors."""
    script = Path(sys.executable).parent / "qicsim"
    within = True
    print(f"{'homes':>6} {'sites':>5} {'reps':>5} | {'peak MB':>8} {'est. MB':>8} | {'seconds':>8} {'est. s':>8}")
    for per_site, sites, reps in SIZES:
        homes = f"structure.homes_per_site=[{','.join([str(per_site)] * sites)}]"
        config = qicsim.scenario_config("peach", [homes], replications=reps)
        guess = estimate(config)
        got = run_child([str(script), homes, f"run.replications={reps}"])
        peak = got["peak_rss_mib"] * 1.048576  # MiB to MB
        ok = (1 / MEMORY_FACTOR <= guess.peak_mb / peak <= MEMORY_FACTOR
              and 1 / TIME_FACTOR <= guess.seconds / got["wall_s"] <= TIME_FACTOR)
        within = within and ok and got["exit"] == 0
        print(f"{per_site * sites:>6} {sites:>5} {reps:>5} | {peak:8.0f} {guess.peak_mb:8.0f} | "
              f"{got['wall_s']:8.1f} {guess.seconds:8.1f}{'' if ok else '  <- outside'}", flush=True)
    print(f"{'PASS' if within else 'MISS'}: every estimate within x{MEMORY_FACTOR:g} (memory) and "
          f"x{TIME_FACTOR:g} (time) of the measured run"
          + ("" if within else "; measure the figures of qicsim/run/estimate.py on this machine again"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
