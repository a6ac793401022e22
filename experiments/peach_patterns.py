"""The PEACH patterns and a simulated CMO table, as quoted in README.md.

Runs the PEACH scenario and PEACH with each context switched (C1-C9 off, C10 on), all with
the same replication seeds, and prints Markdown: the pattern figures of
docs/evidence.md section 4, and for each context its mechanism indicator and outcome
(baseline -> switched, paired difference in standard errors).

Usage::

    python experiments/peach_patterns.py [--replications 100] [--seed 4242] [--out FILE]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import qicsim
from qicsim.compare import paired_effect
from qicsim.contexts import CONTEXTS


def switch(name: str) -> list[str]:
    """Overrides that switch a context: off for C1-C9, on for C10 (schedule cleared)."""
    value = 1 if name == "data_support" else 0
    return [f"contexts.{name}.intensity={value}", f"contexts.{name}.schedule=[]"]


def per_run(results: qicsim.Results, name: str) -> np.ndarray:
    """A run outcome or a mechanism total, one value per replication."""
    if name in results.runs:
        return results.runs[name].to_numpy(dtype=float)
    return results.mechanism_totals()[name].to_numpy(dtype=float)


def report(replications: int, seed: int) -> str:
    """Run the conditions and format the Markdown report."""
    peach = qicsim.run("peach", replications=replications, seed=seed)
    runs = peach.runs
    lines = [f"PEACH scenario, {replications} replications, master seed {seed}.", "",
             "| pattern | measure | mean | 5%-95% |", "|---|---|---:|---:|"]
    for pattern, column in [
        ("1 measurement", "measured_share"), ("2 implemented", "implemented"),
        ("2 some homes", "homes_with_implementation"), ("2 spread", "spread"),
        ("3 GP leads", "share_led_gp"), ("3 care home leads", "share_led_care_home"),
        ("5 sustained a year on", "sustained_share"), ("cost", "cost_gbp"),
    ]:
        values = runs[column].to_numpy(dtype=float)
        lo, hi = np.nanquantile(values, [0.05, 0.95])
        lines.append(f"| {pattern} | {column} | {np.nanmean(values):.3g} | {lo:.3g}-{hi:.3g} |")
    lines += ["", "| context | switch | indicator: PEACH -> switched (z) | outcome: PEACH -> switched (z) |"
              " implemented: PEACH -> switched (z) |", "|---|---|---|---|---|"]
    for info in CONTEXTS:
        changed = qicsim.run("peach", overrides=switch(info.name), replications=replications, seed=seed)
        cells = []
        for name in (info.indicator, info.outcome, "implemented"):
            eff = paired_effect(per_run(peach, name), per_run(changed, name))
            cells.append(f"{name}: {eff.baseline:.3g} -> {eff.changed:.3g} ({eff.z:+.1f})")
        direction = "0 -> 1" if info.name == "data_support" else "PEACH -> 0"
        lines.append(f"| {info.code} {info.name} | {direction} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=100)
    parser.add_argument("--seed", type=int, default=4242)
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown here")
    args = parser.parse_args()
    text = report(args.replications, args.seed)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
