"""Each shipped programme under the structure the PEACH calibration was built on, the default and the candidate.

Issue 19 asks, before any calibration, how the new structure does where the old one failed:
the share of PROSPER and SPACE homes implementing at least one improvement, the share of homes
starting a project of their own in the first 26 weeks of each programme, and PEACH's own
figures, each run untuned (point defaults, no ensemble) under ``structure=peach_2026``, the default
``structure=selected_2027`` and ``structure=candidate_2027`` (every new part). The table goes into
docs/validation.md between its markers:

    python experiments/structures_table.py            # print the table
    python experiments/structures_table.py --write    # and write it into docs/validation.md
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

import qicsim
from qicsim.run.evaluator import evaluate, replications
from qicsim.run.runner import mechanism_row, model_kwargs, replication_seed

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"
BEGIN = "<!-- BEGIN structures table: python experiments/structures_table.py --write -->"
END = "<!-- END structures table -->"
PROGRAMMES = ("peach", "prosper", "space", "bts_nursing_homes")
STRUCTURES = {"peach_2026": "as calibrated (peach_2026)", "selected_2027": "default (selected_2027)",
              "candidate_2027": "every new part (candidate_2027)"}
MEASURES = {
    "homes_with_implementation_share": "homes implementing",
    "homes_starting_by_week_26": "homes starting a project by week 26",
    "implemented": "improvements implemented",
    "measured_share": "cycles measured",
    "share_led_care_home": "led by care home staff",
    "sustained_share": "sustained a year on",
}
OBSERVED = {  # what each programme reported (docs/validation.md's targets; none is a calibration target)
    ("prosper", "homes_with_implementation_share"): "about 2/3 (self-report)",
    ("space", "homes_with_implementation_share"): "'widespread' (> 1/2)",
    ("peach", "measured_share"): "0 of 4 teams measured",
}


def run(programme: str, structure: str, n: int, seed: int, workers: int) -> pd.DataFrame:
    """One row per replication of a programme under a structure preset."""
    config = qicsim.scenario_config(programme, [f"structure={structure}"])
    seeds = [replication_seed(seed, i) for i in range(n)]
    return pd.DataFrame(list(evaluate(replications(model_kwargs(config), seeds), mechanism_row, workers=workers)))


def cell(values: pd.Series) -> str:
    """Mean and the middle 90% of replications."""
    lo, hi = np.nanpercentile(values, [5, 95])
    if values.abs().max() <= 1:  # a share
        return f"{values.mean():.2f} ({lo:.2f}-{hi:.2f})"
    return f"{values.mean():.1f} ({lo:.0f}-{hi:.0f})"


def table(n: int, seed: int, workers: int) -> str:
    """The markdown table (and how it was made)."""
    started = time.perf_counter()
    rows = []
    for programme in PROGRAMMES:
        runs = {name: run(programme, name, n, seed, workers) for name in STRUCTURES}
        for measure, label in MEASURES.items():
            if measure not in runs["peach_2026"]:
                continue
            rows.append([programme, label, *(cell(runs[name][measure]) for name in STRUCTURES),
                         OBSERVED.get((programme, measure), "")])
    head = ["programme", "measure", *STRUCTURES.values(), "observed"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    minutes = (time.perf_counter() - started) / 60
    note = (f"\n\n{n} replications per programme and structure, master seed {seed}, point defaults, the same "
            f"replication seeds under every structure; mean (5th-95th percentile of replications). "
            f"qicsim {qicsim.__version__}; {minutes:.1f} minutes on {workers} workers.")
    return "\n".join(lines) + note


def main() -> None:
    """Print the table, and write it into docs/validation.md with --write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=40)
    parser.add_argument("--seed", type=int, default=20160901)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = table(args.replications, args.seed, args.workers)
    print(text)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        head, _, rest = doc.partition(BEGIN)
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
