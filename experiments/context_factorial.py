"""The reference output of the ``context_factorial`` experiment, committed under results/reference/.

Runs (or resumes) the shipped experiment through the Python API, exactly as
``qicsim experiment=context_factorial`` would, into ``results/reference/context_factorial``:
the dataset (Parquet; the CSV export and the chunks are not committed), its provenance,
and the analyses (report.md, tables, figures). Run from the repository root::

    .venv/bin/python experiments/context_factorial.py --workers 2
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qicsim.studies.end_to_end import run_sweep

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "context_factorial"


def main() -> None:
    """Run the experiment into the reference folder and print where the report is."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="local processes (default 2)")
    args = parser.parse_args()
    folder = run_sweep("context_factorial", folder=REFERENCE, workers=args.workers)
    print(f"report: {folder / 'analysis' / 'report.md'}")


if __name__ == "__main__":
    main()
