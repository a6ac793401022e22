"""The PEACH patterns and a simulated CMO table, as quoted in README.md.

Runs the conditions of ``qicsim.studies.mechanism_checks.patterns`` (PEACH, PEACH without each of C1-C9,
without C3 and C4, with data support) on shared replication seeds, as the tests do, and
writes Markdown: each pattern check with its figure, the headline figures with their
5%-95% range over replications, and for each context its mechanism indicator and outcome
(PEACH -> switched, paired difference in standard errors).

Usage::

    python experiments/peach_patterns.py [--replications 150] [--seed 4242] [--workers 2] [--out FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from qicsim.model.contexts import CONTEXTS
from qicsim.studies.mechanism_checks.patterns import check_patterns, run_conditions
from qicsim.studies.mechanism_checks.runs import paired

ROOT = Path(__file__).resolve().parents[1]
HEADLINES = (
    ("teams using measurement for change (of 4)", "teams_used_measurement"),
    ("cycles measured", "measured_share"), ("improvements implemented", "implemented"),
    ("homes with an implementation (of 29)", "homes_with_implementation"), ("spread", "spread"),
    ("share of projects led by GPs", "share_led_gp"), ("led by care home staff", "share_led_care_home"),
    ("sustained a year on (share)", "sustained_share"),
    ("team members at the end of support", "members_end_of_support"),
    ("protected hours paid", "protected_hours_paid"), ("protected hours used", "protected_hours_used"),
    ("cost of QIC hours, GBP", "cost_gbp"), ("funder cost of protected time, GBP", "cost_protected_time_gbp"),
)


def report(replications: int, seed: int, workers: int, overrides: tuple[str, ...] = ()) -> str:
    """Run the conditions (each with ``overrides`` too) and format the Markdown report."""
    runs = run_conditions(overrides, replications=replications, master_seed=seed, workers=workers)
    peach = runs["peach"]
    command = " ".join(["python experiments/peach_patterns.py", *(f"--override {o}" for o in overrides)])
    under = f", every condition with {', '.join(f'`{o}`' for o in overrides)}" if overrides else ""
    lines = [f"PEACH scenario and its switched conditions{under}, {replications} replications each, master seed "
             f"{seed} (`{command}`).", "", "## Pattern checks", "",
             "| pattern | check | passed | figure |", "|---|---|---|---|"]
    lines += [f"| {c.pattern} | {c.claim} | {'yes' if c.passed else 'NO'} | {c.figure} |" for c in check_patterns(runs)]
    lines += ["", "## Headline figures (PEACH)", "", "| measure | column | mean | 5%-95% |", "|---|---|---:|---:|"]
    for label, column in HEADLINES:
        values = peach[column].to_numpy(dtype=float)
        lo, hi = np.nanquantile(values, [0.05, 0.95])
        lines.append(f"| {label} | `{column}` | {np.nanmean(values):.3g} | {lo:.3g}-{hi:.3g} |")
    lines += ["", "## Each context switched: its indicator, its outcome, improvements implemented", "",
              "| context | switch | indicator: PEACH -> switched (z) | outcome: PEACH -> switched (z) "
              "| implemented: PEACH -> switched (z) |", "|---|---|---|---|---|"]
    for info in CONTEXTS:
        changed = runs["with_data_support" if info.code == "C10" else f"without_{info.name}"]
        cells = []
        for column in (f"mech_{info.indicator}", info.outcome, "implemented"):
            eff = paired(peach, changed, column)
            cells.append(f"{column.removeprefix('mech_')}: {eff.baseline:.3g} -> {eff.changed:.3g} ({eff.z:+.1f})")
        direction = "0 -> 1" if info.code == "C10" else "PEACH -> 0"
        lines.append(f"| {info.code} {info.name} | {direction} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=150)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "peach_patterns.md")
    parser.add_argument("--override", action="append", default=[], metavar="KEY=VALUE",
                        help="a config override applied to every condition, e.g. structure.prevention=by_topic "
                             "(repeat for more)")
    args = parser.parse_args()
    text = report(args.replications, args.seed, args.workers, tuple(args.override))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
