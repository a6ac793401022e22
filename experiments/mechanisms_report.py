"""Write docs/mechanisms.md: dose-response curves, mediation and the capability-trap experiment.

    python experiments/mechanisms_report.py [--replications 60] [--workers 2]

Every figure comes from ``qicsim.studies.mechanism_checks`` on shared seeds; the tests in
``tests/test_mechanisms.py`` and ``tests/test_trap.py`` check the same quantities with the
tolerances stated there.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from qicsim.model.contexts import CONTEXTS
from qicsim.studies.mechanism_checks import trap_table
from qicsim.studies.mechanism_checks.dose import LEVELS, dose_response
from qicsim.studies.mechanism_checks.mediation import mediation
from qicsim.studies.mechanism_checks.runs import NOISY_EFFECT_REPLICATIONS, replications_for

ROOT = Path(__file__).resolve().parents[1]
SEED = 4242


def dose_section(replications: int, workers: int) -> list[str]:
    """The dose-response table."""
    lines = ["## Dose-response", "",
             f"Each context held at {', '.join(f'{x:g}' for x in LEVELS)} for the whole run at every site, the other "
             f"contexts as in PEACH; its outcome (the one the programme theory names), mean of {replications} "
             f"replications sharing seeds across levels ({_more_seeds()}). "
             "Shape from the share of the whole change reached at 0.5: "
             "flat (whole change under 3 paired SE), saturating (> 65%), threshold (< 35%), else linear. "
             "'Worst step' is the step most against the theory's direction, in paired SE.", "",
             "| | context | outcome | " + " | ".join(f"{x:g}" for x in LEVELS)
             + " | whole change (z) | shape | worst step |",
             "|---|---|---|" + "---:|" * len(LEVELS) + "---:|---|---:|"]
    for info in CONTEXTS:
        r = dose_response(info, replications=replications_for(info.name, replications), master_seed=SEED,
                          workers=workers)
        means = " | ".join(f"{m:.3g}" for m in r.means)
        lines.append(f"| {info.code} | `{info.name}` | `{r.outcome}` | {means} | {r.whole.diff:+.3g} "
                     f"({r.whole.z:+.1f}) | {r.shape} | {r.worst_reversal_z:+.1f} |")
    return lines


def _more_seeds() -> str:
    """Which contexts get more seeds, in words."""
    codes = {info.name: info.code for info in CONTEXTS}
    return "; ".join(f"{n} for {codes[c]}" for c, n in NOISY_EFFECT_REPLICATIONS.items()) + \
        ", whose effect is small against the spread of its outcome"


def mediation_section(replications: int, workers: int) -> list[str]:
    """The mediation table."""
    lines = ["", "## Mediation", "",
             f"Per seed ({replications}; {_more_seeds()}), three runs: PEACH; the context switched (C1-C9 off, "
             "C10 on); the switched run with the context's mediators held, week by week and post by post, at the PEACH "
             "run's trajectory. "
             "Share removed = 1 - (held - PEACH) / (switched - PEACH). Timing: the first week the (first) mediator's "
             "mean differs by 3 paired SE, and the first week the outcome's weekly series does.", "",
             "| | context | mediators held | outcome | effect of the switch (z) | with mediators held | share removed "
             "| mediator moves | outcome moves |", "|---|---|---|---|---:|---:|---:|---:|---:|"]
    for info in CONTEXTS:
        r = mediation(info.name, replications=replications_for(info.name, replications), master_seed=SEED,
                      workers=workers)
        lines.append(f"| {info.code} | `{info.name}` | {', '.join(f'`{m}`' for m in r.mediators)} | `{r.outcome}` | "
                     f"{r.effect.diff:+.3g} ({r.effect.z:+.1f}) | {r.held.diff:+.3g} | {r.share_removed:.0%} | "
                     f"week {r.mediator_week} | week {r.outcome_week} ({r.outcome_series}) |")
    return lines


def trap_section(replications: int, workers: int) -> list[str]:
    """The capability-trap table (:mod:`qicsim.studies.mechanism_checks.trap_table`, which also writes it alone)."""
    start = time.perf_counter()
    rows = trap_table.run_rows(trap_table.all_specs(), replications=replications, workers=workers)
    return ["", *trap_table.section(rows, replications=replications, seconds=time.perf_counter() - start,
                                    workers=workers)]


def main() -> None:
    """Run the analyses and write the document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--trap-replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mechanisms.md")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    lines = ["# What the mechanisms do", "",
             f"<!-- Written by `python experiments/mechanisms_report.py` at commit `{commit}`. -->", "",
             "Findings of the mechanism analyses (`qicsim.studies.mechanism_checks`) on the PEACH scenario. "
             "How each context acts "
             "is in docs/ODD.md (section 7.11); the robustness of the patterns in docs/robustness.md.", ""]
    lines += dose_section(args.replications, args.workers)
    lines += mediation_section(args.replications, args.workers)
    lines += trap_section(args.trap_replications, args.workers)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
