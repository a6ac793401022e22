"""Instructions per PEACH replication, counted by valgrind, against a baseline commit in the same run.

Wall-clock times on a shared machine move with the load (the same replication has measured
26 ms on one machine and 66 ms on another); instruction counts do not. This benchmark runs
``valgrind --tool=callgrind`` with collection switched on only around the replications
(``callgrind_control -i on/off``), for the working tree and for a baseline commit checked out
in a temporary git worktree, and reports instructions per replication and their ratio.
It needs valgrind (Debian package ``valgrind``); it is a report, not a test.

    python benchmarks/bench_instructions.py [--baseline 3899a1c] [--replications 3]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "benchmarks" / "results"
PROBE = """
import os, subprocess, sys
import qicsim
from qicsim.model import QICModel
try:  # the four wings (a baseline before them has qicsim.runner and qicsim.config)
    from qicsim.run.runner import model_kwargs, replication_seed
    config = qicsim.scenario_config("peach")
except ImportError:
    from qicsim.runner import model_kwargs, replication_seed
    config = qicsim.config("peach")
kwargs = model_kwargs(config)
QICModel(seed=1, **kwargs).run()  # warm-up, not counted
subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=False)
for i in range(int(sys.argv[1])):
    QICModel(seed=replication_seed(20160901, i), **kwargs).run()
subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=False)
"""


def count(tree: Path, replications: int) -> int:
    """Instructions collected over ``replications`` PEACH replications of the qicsim in ``tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.py"
        probe.write_text(PROBE, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree)}
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                               f"--callgrind-out-file={tmp}/cg.out", sys.executable, str(probe), str(replications)],
                              capture_output=True, text=True, env=env, check=False, cwd=tree)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode or not found:
        raise SystemExit(f"valgrind failed in {tree}: {proc.stderr.strip().splitlines()[-1:]}")
    return int(found.group(1))


def main() -> None:
    """Count both trees and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="3899a1c", help="commit to compare with (default: before issue 7)")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                                capture_output=True, text=True, check=True).stdout.strip())
    with tempfile.TemporaryDirectory() as tmp:
        worktree = Path(tmp) / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(worktree), args.baseline], cwd=REPO_ROOT,
                       capture_output=True, check=True)
        try:
            baseline = count(worktree, args.replications) / args.replications
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=REPO_ROOT, capture_output=True,
                           check=False)
    current = count(REPO_ROOT, args.replications) / args.replications
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": head + ("+dirty" if dirty else ""),
              "baseline": args.baseline, "replications": args.replications,
              "instructions_per_replication": {"baseline": round(baseline), "current": round(current)},
              "ratio": round(current / baseline, 3)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "instructions.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = (f"# Instructions per PEACH replication (valgrind)\n\n| tree | instructions per replication |\n|---|---:|\n"
            f"| baseline `{args.baseline}` | {baseline / 1e6:.1f} M |\n| current `{result['commit']}` | "
            f"{current / 1e6:.1f} M |\n\nRatio current / baseline: **{current / baseline:.3f}** "
            f"({args.replications} replications each, {result['date']}).\n")
    (args.out / "instructions.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
