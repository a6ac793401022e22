"""Instructions per PEACH replication, counted by valgrind, against a baseline commit in the same run.

Wall-clock times on a shared machine move with the load (the same replication has measured
26 ms on one machine and 66 ms on another); instruction counts do not. This benchmark runs
``valgrind --tool=callgrind`` with collection switched on only around the replications
(``callgrind_control -i on/off``), for the working tree and for a baseline commit checked out
in a temporary git worktree, and reports instructions per replication and their ratio.
It needs valgrind (Debian package ``valgrind``); it is a report, not a test.

    python benchmarks/bench_instructions.py [--baseline 5c28611] [--replications 3]
    python benchmarks/bench_instructions.py --structure peach_2026 candidate_2027

With ``--structure`` the working tree is counted once under each preset of
``configs/structure`` (``structure=<name>``); the baseline is counted once, with its own
defaults (a commit from before the presets ran today's structure, ``peach_2026``). Every
count runs with ``PYTHONHASHSEED=0``: string hashing is then the same from run to run, and so
is the count (it moves by about 0.2% with the hash seed).
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
DEFAULT_BASELINE = "5c28611"  # issue 19's reference: "today's instructions" of a PEACH replication
TARGET = {"selected_2027": 1.15}  # issue 19: the new default structure costs at most 1.15x the baseline
PROBE = """
import os, subprocess, sys
import qicsim
from qicsim.model import QICModel
overrides = sys.argv[2:]
try:  # the four wings (a baseline before them has qicsim.runner and qicsim.config)
    from qicsim.run.runner import model_kwargs, replication_seed
    config = qicsim.scenario_config("peach", overrides)
except ImportError:
    if overrides:
        raise SystemExit("this tree takes no overrides")
    from qicsim.runner import model_kwargs, replication_seed
    config = qicsim.config("peach")
kwargs = model_kwargs(config)
QICModel(seed=1, **kwargs).run()  # warm-up, not counted
subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], capture_output=True, check=False)
for i in range(int(sys.argv[1])):
    QICModel(seed=replication_seed(20160901, i), **kwargs).run()
subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], capture_output=True, check=False)
"""


def count(tree: Path, replications: int, overrides: tuple[str, ...] = ()) -> int:
    """Instructions collected over ``replications`` PEACH replications of the qicsim in ``tree``.

    Args:
        tree: A checkout of qicsim.
        replications: Replications counted (after one warm-up replication, not counted).
        overrides: Settings for the scenario, e.g. ``("structure=candidate_2027",)``.
    """
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / "probe.py"
        probe.write_text(PROBE, encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0"}
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no",
                               f"--callgrind-out-file={tmp}/cg.out", sys.executable, str(probe), str(replications),
                               *overrides],
                              capture_output=True, text=True, env=env, check=False, cwd=tree)
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode or not found:
        raise SystemExit(f"valgrind failed in {tree}: {proc.stderr.strip().splitlines()[-1:]}")
    return int(found.group(1))


def markdown(result: dict) -> str:
    """The result as a short Markdown report."""
    baseline = result["instructions_per_replication"]["baseline"]
    lines = ["# Instructions per PEACH replication (valgrind)", "",
             "| tree | structure | instructions per replication | ratio to baseline |", "|---|---|---:|---:|",
             f"| baseline `{result['baseline']}` | its default | {baseline / 1e6:.1f} M | 1.000 |"]
    for name, current in result["instructions_per_replication"]["current"].items():
        lines.append(f"| current `{result['commit']}` | {name} | {current / 1e6:.1f} M | {result['ratio'][name]:.3f} |")
    lines.append("")
    for name, limit in TARGET.items():
        if name in result["ratio"]:
            verdict = "PASS" if result["ratio"][name] <= limit else "MISS"
            lines.append(f"Target (issue 19): {name} at most {limit:.2f}x the baseline: **{verdict}** "
                         f"({result['ratio'][name]:.3f}x).")
    lines.append(f"{result['replications']} replications each, PYTHONHASHSEED=0, {result['date']}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Count the baseline and the working tree (under each structure asked for) and write the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="commit to compare with (default: %(default)s)")
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--structure", nargs="+", metavar="PRESET", default=[],
                        help="count the working tree under each of these presets of configs/structure "
                             "(default: the scenario's own structure)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    known = sorted(path.stem for path in (REPO_ROOT / "configs" / "structure").glob("*.yaml"))
    for name in args.structure:
        if name not in known:
            parser.error(f"--structure {name}: not a preset; one of {', '.join(known)}")
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
    structures = {name: (f"structure={name}",) for name in args.structure} or {"default": ()}
    current = {name: count(REPO_ROOT, args.replications, overrides) / args.replications
               for name, overrides in structures.items()}
    result = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "commit": head + ("+dirty" if dirty else ""),
              "baseline": args.baseline, "replications": args.replications, "python_hash_seed": 0,
              "instructions_per_replication": {"baseline": round(baseline),
                                               "current": {name: round(value) for name, value in current.items()}},
              "ratio": {name: round(value / baseline, 3) for name, value in current.items()}}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "instructions.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (args.out / "instructions.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
