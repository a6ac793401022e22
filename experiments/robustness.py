"""Write docs/robustness.md: each PEACH pattern under every assumed parameter moved by -25% and +25%.

Resumable: each move's result is kept in ``results/robustness/<parameter>_<up|down>.json``;
run the same command again after an interruption.

    python experiments/robustness.py [--replications 40] [--workers 2] [--only name ...]
"""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

from qicsim.studies.mechanism_checks.robustness import robustness_markdown, run_robustness

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Run or resume the moves and write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="run only these parameters")
    parser.add_argument("--write-only", action="store_true",
                        help="write the table from the results so far; run nothing")
    parser.add_argument("--folder", type=Path, default=ROOT / "results" / "robustness")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "robustness.md")
    args = parser.parse_args()
    result = run_robustness(args.folder, replications=args.replications, workers=args.workers, only=args.only,
                            run=not args.write_only)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    args.out.write_text(robustness_markdown(result, commit), encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
