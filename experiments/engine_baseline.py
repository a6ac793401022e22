"""The engine's reference sample: N runs of each condition, the gate a new engine must pass (issue 20, item 4).

    nice -n 10 python experiments/engine_baseline.py [--replications 200] [--seed 20160901] [--workers 1]

Runs ``--replications`` replications of each of :data:`qicsim.studies.equivalence.CONDITIONS` (shipped
scenarios, default structure) with today's engine and writes the outcomes of
:data:`qicsim.studies.equivalence.OUTCOMES`, one row per condition and replication, to
``tests/reference/engine_baseline.csv``, and its record (master seed, conditions, N, outcomes, the
commit, package versions, the CSV's SHA-256, the run time) to ``engine_baseline.json`` beside it.
tests/test_engine_equivalence.py compares a sample on another master seed with it.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from qicsim.run.output import environment
from qicsim.studies import equivalence

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "reference" / "engine_baseline.csv"
MAX_WORKERS = 2  # the machine's cores are shared


def main(argv: list[str] | None = None) -> None:
    """Run the sample, write the reference and its record, print the time taken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=equivalence.REPLICATIONS)
    parser.add_argument("--seed", type=int, default=equivalence.REFERENCE_SEED, help="master seed")
    parser.add_argument("--workers", type=int, default=1, help=f"processes, 1 to {MAX_WORKERS}")
    parser.add_argument("--out", type=Path, default=OUT, help="the CSV; the record is the .json beside it")
    args = parser.parse_args(argv)
    if args.replications < 2:
        parser.error(f"--replications: {args.replications}; allowed: 2 or more (a standard error needs 2 runs)")
    if not 1 <= args.workers <= MAX_WORKERS:
        parser.error(f"--workers: {args.workers}; allowed: 1 to {MAX_WORKERS}")
    if args.seed == equivalence.GATE_SEED:
        parser.error(f"--seed: {args.seed} is the gate's own seed; allowed: any other")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    table = equivalence.sample(equivalence.CONDITIONS, args.replications, args.seed, args.workers)
    seconds = time.perf_counter() - start
    record = {
        "master_seed": args.seed,
        "replications": args.replications,
        "conditions": list(equivalence.CONDITIONS),
        "structure": "default (configs/config.yaml: structure null, the schema's defaults)",
        "outcomes": equivalence.OUTCOMES,
        **environment(),  # qicsim's version, the commit (+dirty for a changed checkout), Python, packages
        "workers": args.workers,
        "runtime_seconds": round(seconds, 1),
        "command": ["python", *sys.argv] if argv is None else ["python", __file__, *argv],
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    equivalence.write_reference(table, args.out, record)
    print(f"{len(table)} runs in {seconds:.1f} s ({args.workers} worker(s)); wrote {args.out} and "
          f"{args.out.with_suffix('.json').name}")


if __name__ == "__main__":
    main()
