"""Conclusions over an ensemble: the reference ensemble sweeps and their analyses.

Runs (or resumes), into ``results/reference/<name>``, with the analysis written beside:

* ``ensemble_one_at_a_time``: 10 parameter sets x 20 points x 10 replications (2,000 runs);
* ``ensemble_factorial`` (``--experiment factorial``), on five contexts (C1, C3, C4, C5, C6:
  ``sweep.only``) to keep it small: 10 sets x 32 points x 10 replications (3,200 runs).

Until the calibrated ensemble ships (``configs/ensemble/peach.csv``), the sets are drawn from a
*synthetic prior* ensemble written to ``results/reference/prior_ensemble.csv`` by
``experiments/synthetic_ensemble.py`` (each assumed Morris parameter uniform on its assumed
range): the reports are then labelled as over a prior, not a calibrated, ensemble.
Run from the repository root::

    nice -n 10 .venv/bin/python experiments/ensemble_conclusions.py --workers 2
    nice -n 10 .venv/bin/python experiments/ensemble_conclusions.py --experiment factorial
    nice -n 10 .venv/bin/python experiments/ensemble_conclusions.py --ensemble peach   # the calibrated one
    nice -n 10 .venv/bin/python experiments/ensemble_conclusions.py --ensemble peach --experiment factorial

Over a named ensemble the sweep goes to ``results/reference/<experiment>-<ensemble>``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qicsim.studies.end_to_end import run_sweep

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic_ensemble import synthetic_ensemble

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "results" / "reference"
PRIOR = REFERENCE / "prior_ensemble.csv"
EXPERIMENTS = {
    "one_at_a_time": ("ensemble_one_at_a_time", []),
    "factorial": ("ensemble_factorial", ["sweep.only=[remit_clarity,hierarchy_reduction,protected_time,alignment,"
                                         "qi_coaching]", "run.replications=10", "sweep.jobs=10"]),
}


def main() -> None:
    """Write the prior ensemble if needed, run the sweep into the reference folder, analyse it."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiment", choices=sorted(EXPERIMENTS), default="one_at_a_time",
                        help="which reference sweep (default one_at_a_time)")
    parser.add_argument("--workers", type=int, default=2, help="local processes (default 2)")
    parser.add_argument("--ensemble", default=None,
                        help="the ensemble (default: the synthetic prior ensemble, written if absent)")
    args = parser.parse_args()
    if args.ensemble is None:
        REFERENCE.mkdir(parents=True, exist_ok=True)
        if not PRIOR.is_file():
            synthetic_ensemble(200, 20261204).to_csv(PRIOR, index=False)
        ensemble = str(PRIOR.relative_to(ROOT))
    else:
        ensemble = args.ensemble
    name, overrides = EXPERIMENTS[args.experiment]
    # The prior-ensemble sweep keeps the experiment's name; one over a named ensemble gets its own
    # folder (e.g. ensemble_one_at_a_time-peach), so both stay side by side for comparison.
    target = REFERENCE / (name if args.ensemble is None else f"{name}-{Path(args.ensemble).stem}")
    folder = run_sweep(name, [f"sweep.ensemble={ensemble}", *overrides], folder=target, workers=args.workers)
    print(f"report: {folder / 'analysis' / 'report.md'}")


if __name__ == "__main__":
    main()
