"""Benchmark of ``qicsim compare``: wall time of the default comparison and of the budget search.

Both are the commissioner's case (30 homes, 104 weeks, GBP 200k) run as the real command in a
subprocess (``time.perf_counter`` around it: interpreter start-up, composition, the runs, the tables,
figures and report), into fresh temporary folders:

1. ``qicsim compare --homes 30 --weeks 104 --budget 200000`` (the 9 shipped options, 20 replications each);
2. ``qicsim compare --optimise --homes 30 --weeks 104 --budget 200000``, the commissioner's one command
   (issue 22): the 9 options and the default grid of 144 mixes, the affordable ones run, 50 replications
   each, plus one pilot run, with the comparison's report and the budget report in one folder. (Until
   issue 22, ``--optimise`` ran the search alone.)

The machine is shared (2 cores, other jobs): each is timed ``--repeats`` times and the median and range
reported. A report, not a test.

    python benchmarks/bench_policy.py               # -> benchmarks/results/policy.{json,md}
    python benchmarks/bench_policy.py --repeats 1
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import qicsim
from qicsim.run.output import git_commit

CASE = ["--homes", "30", "--weeks", "104", "--budget", "200000"]
COMMANDS = {"default comparison (9 options x 20 replications)": CASE,
            "comparison and budget search (9 options and the default grid, 50 replications each)":
                ["--optimise", *CASE]}
RESULTS = Path(__file__).parent / "results"


def timed(args: list[str]) -> float:
    """Seconds of wall time of one ``qicsim compare`` into a new temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qicsim.apps.cli.main", "compare", *args,
                        "--out", f"{tmp}/out"], check=True,
                       stdout=subprocess.DEVNULL)
        return time.perf_counter() - start


def main() -> None:
    """Time each command, write ``policy.json`` and ``policy.md``."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=2)
    args = p.parse_args()
    rows = {}
    for label, command in COMMANDS.items():
        seconds = [timed(command) for _ in range(args.repeats)]
        rows[label] = {"command": ["qicsim", "compare", *command], "seconds": seconds,
                       "median_s": statistics.median(seconds)}
        print(f"{label}: median {statistics.median(seconds):.1f} s ({min(seconds):.1f}-{max(seconds):.1f})")
    record = {"results": rows, "repeats": args.repeats, "qicsim": qicsim.__version__, "commit": git_commit(),
              "python": platform.python_version(), "machine": platform.machine(),
              "created": datetime.now(UTC).isoformat(timespec="seconds")}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "policy.json").write_text(json.dumps(record, indent=2))
    lines = ["# qicsim compare: wall time (commissioner's case)", "",
             f"{args.repeats} runs each on a shared 2-core machine; commit {record['commit']}.", "",
             "| what | command | median (s) | range (s) |", "|---|---|---|---|"]
    lines += [f"| {label} | `{' '.join(r['command'])}` | {r['median_s']:.1f} | "
              f"{min(r['seconds']):.1f}-{max(r['seconds']):.1f} |" for label, r in rows.items()]
    (RESULTS / "policy.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
