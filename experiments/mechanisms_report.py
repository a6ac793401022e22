"""Write docs/mechanisms.md: dose-response curves, mediation and the capability-trap experiment.

    python experiments/mechanisms_report.py [--replications 60] [--workers 2] [--only dose,mediation,trap]

The mutation table at the end of the document is written by its own command
(``python -m qicsim.studies.mechanism_checks.mutations --write``) and kept as it is here.

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
from qicsim.studies.mechanism_checks.mutations import current_section
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
    """The mediation table: each mediator's share alone, the bundle's, and what goes around them."""
    lines = ["", "## Mediation", "",
             f"Per seed ({replications}; {_more_seeds()}), linked runs: PEACH; the context switched (C1-C9 off, "
             "C10 on); the switched run with each mediator held alone, from the state set-up leaves and then "
             "week by week, post by post, at the PEACH run's trajectory; and, with several mediators, all of them "
             "held together. "
             "Share removed = 1 - (held - PEACH) / (switched - PEACH); the direct share is what is left with every "
             "mediator held (the part of the effect that goes around them). For a context that writes nothing but "
             "its one mediator the held run is the PEACH run bit for bit, so its direct share is exactly 0: the "
             "figure is then a statement about the code (nothing goes around the mediator), which the mutation "
             "suite below shows can fail. Timing: the first week each mediator's mean differs by 3 paired SE, and "
             "the first week the outcome's weekly series does.", "",
             "| | context | outcome | effect of the switch (z) | share removed by each mediator alone | "
             "all held: removed | direct share | mediators move | outcome moves |",
             "|---|---|---|---:|---|---:|---:|---|---:|"]
    for info in CONTEXTS:
        r = mediation(info.name, replications=replications_for(info.name, replications), master_seed=SEED,
                      workers=workers)
        alone = ", ".join(f"`{m}` {r.share_alone(m):.0%}" for m in r.mediators)
        weeks = ", ".join(f"`{m}` week {w}" for m, w in zip(r.mediators, r.mediator_weeks, strict=True))
        lines.append(f"| {info.code} | `{info.name}` | `{r.outcome}` | {r.effect.diff:+.3g} ({r.effect.z:+.1f}) | "
                     f"{alone} | {r.share_removed:.0%} | {r.direct_share:+.0%} | {weeks} | "
                     f"week {r.outcome_week} ({r.outcome_series}) |")
    return lines


def trap_section(replications: int, workers: int) -> list[str]:
    """The capability-trap table (:mod:`qicsim.studies.mechanism_checks.trap_table`, which also writes it alone)."""
    start = time.perf_counter()
    rows = trap_table.run_rows(trap_table.all_specs(), replications=replications, workers=workers)
    return ["", *trap_table.section(rows, replications=replications, seconds=time.perf_counter() - start,
                                    workers=workers)]


SECTIONS = {"dose": "## Dose-response", "mediation": "## Mediation", "trap": "## The capability trap"}
HAND_WRITTEN = "## Under the default structure"
"""A section written by hand (what the battery and the mutation suite found under the default structure), kept."""


def hand_written(path: Path) -> list[str]:
    """The hand-written section of the document as it is, from its heading to the next ``## `` heading."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("## "):
            if out:
                break
            if line.startswith(HAND_WRITTEN):
                out.append(line)
        elif out:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return ["", *out] if out else []


def kept_sections(path: Path) -> dict[str, list[str]]:
    """The sections of the document as it is, by name (for those not run again)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    out: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        if line.startswith("## "):
            current = next((name for name, heading in SECTIONS.items() if line.startswith(heading)), None)
        if current:
            out.setdefault(current, []).append(line)
    for lines in out.values():
        while lines and not lines[-1].strip():
            lines.pop()
    return {name: ["", *lines] if name != "dose" else lines for name, lines in out.items()}


def main() -> None:
    """Run the analyses and write the document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=60)
    parser.add_argument("--trap-replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", default=",".join(SECTIONS),
                        help=f"comma-separated sections to run again ({', '.join(SECTIONS)}); the others are kept")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "mechanisms.md")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    only = {name.strip() for name in args.only.split(",")}
    kept = kept_sections(args.out)
    lines = ["# What the mechanisms do", "",
             f"<!-- Written by `python experiments/mechanisms_report.py` at commit `{commit}`"
             + (f" (sections run: {', '.join(n for n in SECTIONS if n in only)})" if only != set(SECTIONS) else "")
             + ". -->", "",
             "Findings of the mechanism analyses (`qicsim.studies.mechanism_checks`) on the PEACH scenario. "
             "How each context acts "
             "is in docs/ODD.md (section 7.11); the robustness of the patterns in docs/robustness.md.", ""]
    run = {"dose": lambda: dose_section(args.replications, args.workers),
           "mediation": lambda: mediation_section(args.replications, args.workers),
           "trap": lambda: trap_section(args.trap_replications, args.workers)}
    for name in SECTIONS:
        lines += run[name]() if name in only or name not in kept else kept[name]
    notes = hand_written(args.out)
    mutation_table = current_section(args.out)  # written by its own command (slow): kept as it is
    if mutation_table:
        lines += ["", "## Mutation suite: do the checks catch a broken mechanism?", "", mutation_table]
    lines += notes
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
