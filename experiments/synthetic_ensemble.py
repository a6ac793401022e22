"""A synthetic prior ensemble: each assumed parameter of the Morris experiment drawn uniformly from its range.

Until the calibrated ensemble (``configs/ensemble/peach.csv``, issue 12) ships, the conclusions
over an ensemble are computed over this stand-in: N parameter sets, each of the twelve assumed
behavioural parameters of ``configs/experiment/morris.yaml`` drawn independently and uniformly
from that experiment's range (half to one and a half times the default, itself an assumption:
no published range exists), equal weights. It is a *prior* ensemble, not fitted to anything.
Run from the repository root::

    .venv/bin/python experiments/synthetic_ensemble.py results/reference/ensemble_one_at_a_time/prior_ensemble.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qicsim.config.sweep import PARAMETER_FIELDS
from qicsim.model.contexts import CONTEXT_NAMES

MORRIS = Path(__file__).resolve().parents[1] / "configs" / "experiment" / "morris.yaml"


def prior_ranges() -> dict[str, tuple[float, float]]:
    """The assumed parameters of the Morris experiment and their ranges."""
    factors = yaml.safe_load(MORRIS.read_text())["sweep"]["factors"]
    return {name: (float(lo), float(hi)) for name, (lo, hi) in factors.items() if name not in CONTEXT_NAMES}


def synthetic_ensemble(n: int, seed: int) -> pd.DataFrame:
    """N parameter sets drawn uniformly from the prior ranges (whole-number parameters rounded), weight 1."""
    rng = np.random.default_rng(seed)
    table = {}
    for name, (lo, hi) in prior_ranges().items():
        values = rng.uniform(lo, hi, n)
        table[name] = np.round(values).astype(int) if PARAMETER_FIELDS[name].metadata.get("integer") else values
    return pd.DataFrame({"weight": np.ones(n), **table})


def main() -> None:
    """Write the ensemble CSV."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the CSV to write")
    parser.add_argument("--sets", type=int, default=200, help="parameter sets (default 200)")
    parser.add_argument("--seed", type=int, default=20261204, help="seed (default 20261204)")
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    synthetic_ensemble(args.sets, args.seed).to_csv(args.out, index=False)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
