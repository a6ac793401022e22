"""Benchmark of memory: peak RSS of a plain ``qicsim`` run against its number of replications.

The real command runs as a child process in a fresh temporary folder, PEACH with its figure
(``qicsim run.replications=N``); its peak resident set size is read from the kernel's
accounting of that child alone (``os.wait4``; ``ru_maxrss``, KiB on Linux). The tables are
streamed to disk a batch of replications at a time (``qicsim.run.stream``), so the target is
that the largest run peaks within 1.5 times the smallest (the issue's: 10,000 against 100
replications). A child that only imports qicsim's command gives the floor.

A report, not a test: it exits 0 whether the target is met or missed, and ends with a
``PASS`` or ``MISS`` line. Run from the repository root with the project's environment::

    python benchmarks/bench_memory.py                          # 100 and 10,000 replications (long)
    python benchmarks/bench_memory.py --replications 100 1000  # what the README quotes
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench_speed import run_child  # the launcher that reports a child's own peak RSS

import qicsim
from qicsim.run.output import git_commit

TARGET = 1.5
ROOT = Path(__file__).resolve().parents[1]


def measure(args: list[str]) -> tuple[float, float, int]:
    """Run a child in a fresh folder: its own peak RSS (MiB), wall seconds and exit code.

    The child is started by ``bench_speed.run_child``'s small launcher: a child forked from
    this process would report at least this process's own peak (Linux keeps the high-water
    mark across exec).
    """
    result = run_child(args)
    return result["peak_rss_mib"], result["wall_s"], result["exit"]


def main(argv: list[str] | None = None) -> int:
    """Measure, print a table, write ``benchmarks/results/memory.{json,md}``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replications", type=int, nargs="+", default=[100, 10_000], metavar="N")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    script = Path(sys.executable).parent / "qicsim"
    commit = git_commit()  # the code the runs import: read before they start
    floor, _, _ = measure([sys.executable, "-c", "import qicsim.apps.cli.main"])
    rows: list[dict[str, Any]] = []
    for n in sorted(args.replications):
        rss, seconds, code = measure([str(script), f"run.replications={n}"])
        rows.append({"replications": n, "peak_rss_mib": round(rss, 1), "seconds": round(seconds, 1), "exit": code})
        print(f"{n:>7} replications: peak RSS {rss:7.1f} MiB, {seconds:7.1f} s, exit {code}", flush=True)
    ratio = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    ok = ratio <= TARGET and all(r["exit"] == 0 for r in rows)
    result = {
        "benchmark": "memory", "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "qicsim_version": qicsim.__version__, "git_commit": commit, "python": sys.version.split()[0],
        "platform": platform.platform(), "import_floor_rss_mib": round(floor, 1), "runs": rows,
        "ratio_largest_to_smallest": round(ratio, 3), "target": TARGET,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(result, indent=2) + "\n")
    table = "\n".join(f"| {r['replications']:,} | {r['peak_rss_mib']} | {r['seconds']} |" for r in rows)
    (args.out / "memory.md").write_text(
        f"# Memory of a plain run (`python benchmarks/bench_memory.py`)\n\n{result['created']}, "
        f"commit {result['git_commit']}, Python {result['python']}\n\n"
        f"| replications | peak RSS (MiB) | wall time (s) |\n|---|---|---|\n{table}\n\n"
        f"Importing the command alone: {result['import_floor_rss_mib']} MiB. Largest / smallest: "
        f"{ratio:.2f} (target <= {TARGET}).\n")
    print(f"import floor {floor:.1f} MiB; largest/smallest {ratio:.2f} (target <= {TARGET})")
    print(f"{'PASS' if ok else 'MISS'} memory: {ratio:.2f}x from {rows[0]['replications']:,} "
          f"to {rows[-1]['replications']:,} replications")
    return 0


if __name__ == "__main__":
    sys.exit(main())
