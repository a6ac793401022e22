"""The mutation suite: every mutant of every context's mechanism through the battery of checks.

    python -m qicsim.studies.mechanism_checks.mutations --write [--workers 2] [--false-alarm-seeds 3]

For each context C1-C10, the battery (:mod:`qicsim.studies.mechanism_checks.battery`) is run
on the model as it is and on each of its mutants (:mod:`qicsim.studies.mechanism_checks.mutants`:
bypass, reversal, deletion, and the review's two path mutants), all on the same seeds. A
mutant is caught when at least one check fails on it; the unmutated model must pass every
check. The false-alarm rate is measured by running the unmutated batteries again on other
master seeds. ``--write`` puts the table into docs/mechanisms.md between its markers (the
rest of the file is left as it is).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from qicsim.model.contexts import BY_NAME, CONTEXTS
from qicsim.run.evaluator import pool_map
from qicsim.studies.mechanism_checks import battery
from qicsim.studies.mechanism_checks.battery import (
    CHECKS,
    REPLICATIONS,
    BatteryTask,
    Check,
    check_runs,
    replications_for,
    run_battery_seed,
)
from qicsim.studies.mechanism_checks.mediation import Z_TIMING, LinkedRuns
from qicsim.studies.mechanism_checks.mutants import MUTANTS
from qicsim.studies.mechanism_checks.runs import seeds

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "mechanisms.md"
BEGIN = "<!-- mutation table: begin (python -m qicsim.studies.mechanism_checks.mutations --write) -->"
END = "<!-- mutation table: end -->"
SEED = 4242
FALSE_ALARM_SEEDS = (8181, 9191, 10101)
"""Master seeds for the false-alarm rate: none of them was used to set the battery's ranges."""


@dataclass(frozen=True)
class Verdict:
    """One variant (the model, or a mutant) of one context through the battery.

    Attributes:
        context: Context name.
        mutant: Mutant name, or None for the model as it is.
        checks: The battery's checks.
        cpu_seconds: CPU time its runs took.
    """

    context: str
    mutant: str | None
    checks: tuple[Check, ...]
    cpu_seconds: float = 0.0

    @property
    def failed(self) -> list[str]:
        """Names of the checks that failed."""
        return battery.failed(list(self.checks))

    @property
    def caught(self) -> bool:
        """Whether any check failed (for a mutant: it was caught; for the model: a false alarm)."""
        return bool(self.failed)


def run_variants(variants: list[tuple[str, str | None]], *, default_replications: int = REPLICATIONS,
                 master_seed: int = SEED, workers: int = 2, scenario: str = battery.SCENARIO) -> list[Verdict]:
    """Run (context, mutant) variants through the battery, every seed of every variant in one pool."""
    plan = [(context, mutant, seeds(master_seed, replications_for(context, default_replications)))
            for context, mutant in variants]
    tasks = [BatteryTask(seed, context, mutant, scenario) for context, mutant, seed_list in plan for seed in seed_list]
    results = iter(pool_map(run_battery_seed, tasks, workers))
    verdicts = []
    for context, mutant, seed_list in plan:
        per_seed = [next(results) for _ in seed_list]
        verdicts.append(Verdict(context, mutant, tuple(check_runs(LinkedRuns.stack(context, per_seed))),
                                sum(r["cpu_seconds"] for r in per_seed)))
    return verdicts


def variants_of(contexts: list[str]) -> list[tuple[str, str | None]]:
    """Each context as it is, then each of its mutants, in registry order."""
    return [(c, m) for c in contexts for m in (None, *(n for n, mut in MUTANTS.items() if mut.context == c))]


def _cell(check: Check | None, mutant: str | None) -> str:
    if check is None:
        return "n/a"
    if mutant is None:
        return "pass" if check.passed else "**false alarm**"
    return "**caught**" if not check.passed else "-"


def table(verdicts: list[Verdict]) -> list[str]:
    """The mutation table: one row per variant, one column per check."""
    lines = ["| | mutant | what it breaks | " + " | ".join(CHECKS) + " | caught |",
             "|---|---|---|" + ":-:|" * len(CHECKS) + ":-:|"]
    for v in verdicts:
        info = BY_NAME[v.context]
        by_name = {c.name: c for c in v.checks}
        cells = " | ".join(_cell(by_name.get(name), v.mutant) for name in CHECKS)
        if v.mutant is None:
            lines.append(f"| {info.code} | none: the model | `{info.name}` as built | {cells} | "
                         f"{'**false alarm**' if v.caught else 'passes'} |")
        else:
            lines.append(f"| {info.code} | {v.mutant} | {MUTANTS[v.mutant].meaning} | {cells} | "
                         f"{'yes' if v.caught else '**NO**'} |")
    return lines


def figures(verdicts: list[Verdict]) -> list[str]:
    """What the model as it is measures on each check (the unmutated rows, with figures)."""
    lines = ["| | context | " + " | ".join(CHECKS) + " |", "|---|---|" + "---|" * len(CHECKS)]
    for v in verdicts:
        if v.mutant is not None:
            continue
        by_name = {c.name: c for c in v.checks}
        lines.append(f"| {BY_NAME[v.context].code} | `{v.context}` | "
                     + " | ".join(by_name[n].figure if n in by_name else "n/a" for n in CHECKS) + " |")
    return lines


def false_alarms(contexts: list[str], master_seeds: tuple[int, ...], default_replications: int,
                 workers: int) -> list[Verdict]:
    """The unmutated model's batteries on other master seeds (each context, each master seed)."""
    out: list[Verdict] = []
    for master in master_seeds:
        out += run_variants([(c, None) for c in contexts], default_replications=default_replications,
                            master_seed=master, workers=workers)
    return out


def stated_paths() -> list[str]:
    """The stated divisions of the effect (``battery.PATHS``), one line per context."""
    out = []
    for context, expected in battery.PATHS.items():
        lo, hi = expected.direct
        ranges = [f"direct share [{lo:+.0%}, {hi:+.0%}]"] + [f"`{m}` alone [{a:.0%}, {b:.0%}]"
                                                            for m, (a, b) in expected.shares]
        out.append(f"- {BY_NAME[context].code}: {'; '.join(ranges)}. Why: {expected.why}.")
    return out


def section(verdicts: list[Verdict], alarms: list[Verdict], *, default_replications: int, master_seed: int,
            alarm_seeds: tuple[int, ...], seconds: float, workers: int, commit: str) -> list[str]:
    """The generated part of docs/mechanisms.md."""
    mutants = [v for v in verdicts if v.mutant is not None]
    models = [v for v in verdicts if v.mutant is None] + alarms
    cpu = sum(v.cpu_seconds for v in (*verdicts, *alarms))
    caught = sum(v.caught for v in mutants)
    raised = [v for v in models if v.caught]
    more = "; ".join(f"{replications_for(c, default_replications)} for {BY_NAME[c].code}" for c in battery.SEEDS)
    return [
        BEGIN, "",
        "A check that no broken mechanism can fail tests nothing. Each context's mechanism is broken here in "
        "three ways, by monkeypatching what its readers (`ContextInfo.read_by`) see of it "
        "(`qicsim.studies.mechanism_checks.mutants`): **bypass** (a fixed intensity whatever the setting: "
        "PEACH's own, or 1 for C10, which PEACH leaves at 0), **reversal** (1 - intensity) and **deletion** (0: "
        "no context-driven change); and two paths are broken as the review of issue 19 found they could be "
        "without any check failing: C9's events forming no cross-site ties, and a direct C5 path around the "
        "homes' alignment practice. Each variant runs through the same battery as the model.", "",
        f"**{caught} of {len(mutants)} mutants caught. False alarms on the model as built: {len(raised)} of "
        f"{len(models)} batteries** (each context's battery on master seed {master_seed} and on "
        f"{len(alarm_seeds)} others, {', '.join(str(s) for s in alarm_seeds) or 'none'}"
        + (": " + ", ".join(f"{BY_NAME[v.context].code} {', '.join(v.failed)}" for v in raised) if raised else "")
        + ").", "",
        f"Each row is one variant of a context's mechanism run through the battery of "
        f"`qicsim.studies.mechanism_checks.battery` on {default_replications} seeds ({more}; master seed "
        f"{master_seed}, commit `{commit}`, scenario `{battery.SCENARIO}`: PEACH under the default structure), "
        f"every run of a seed sharing its random numbers. "
        f"Bar: {battery.Z_MIN:g} paired SE for the indicator, outcome and dose checks; the direct share "
        f"within {battery.DIRECT_MAX:.0%} of 0 and each mediator's share alone within its range, where "
        f"stated below; every mediator moves no later than the outcome (first week {Z_TIMING:g} paired SE "
        "apart). **caught** = the check failed on the mutant; `-` = the mutant passed it; n/a = one mediator "
        "(the direct-path check is its share). "
        f"Run time {seconds / 60:.1f} min on {workers} workers ({cpu / 60:.1f} CPU min in the runs; the "
        "machine may be shared, so the CPU time is the figure to compare).", "",
        *table(verdicts), "",
        "Stated divisions of the effect (the other contexts: one mediator, direct share within "
        f"{battery.DIRECT_MAX:.0%} of 0):", "",
        *stated_paths(), "",
        "The model as built, figure by figure (the unmutated rows above):", "",
        *figures(verdicts), "",
        END,
    ]


def write_section(lines: list[str], path: Path = DOC) -> None:
    """Put the section into a document between its markers (appended at the end if they are missing)."""
    block = "\n".join(lines)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Mutation suite: do the checks catch a broken mechanism?\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def current_section(path: Path = DOC) -> str:
    """The generated block of a document, markers included ("" if it has none)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if BEGIN not in text or END not in text:
        return ""
    return BEGIN + text.split(BEGIN, 1)[1].split(END, 1)[0] + END


def main(argv: list[str] | None = None) -> None:
    """Run the suite; print the table, and write it into docs/mechanisms.md with ``--write``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the table into docs/mechanisms.md")
    parser.add_argument("--replications", type=int, default=REPLICATIONS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--false-alarm-seeds", type=int, default=len(FALSE_ALARM_SEEDS),
                        help=f"how many other master seeds to run the unmutated batteries on (at most "
                             f"{len(FALSE_ALARM_SEEDS)})")
    parser.add_argument("--only", default="", help="comma-separated context codes (C1,C9): run these only")
    parser.add_argument("--out", type=Path, default=DOC)
    args = parser.parse_args(argv)
    codes = [c.strip() for c in args.only.split(",") if c.strip()]
    contexts = [c.name for c in CONTEXTS if not codes or c.code in codes]
    start = time.perf_counter()
    verdicts = run_variants(variants_of(contexts), default_replications=args.replications, master_seed=args.seed,
                            workers=args.workers)
    alarm_seeds = FALSE_ALARM_SEEDS[:args.false_alarm_seeds]
    alarms = false_alarms(contexts, alarm_seeds, args.replications, args.workers)
    seconds = time.perf_counter() - start
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip() or "unknown"
    lines = section(verdicts, alarms, default_replications=args.replications, master_seed=args.seed,
                    alarm_seeds=alarm_seeds, seconds=seconds, workers=args.workers, commit=commit)
    print("\n".join(lines))
    if args.write:
        write_section(lines, args.out)


if __name__ == "__main__":
    main()
