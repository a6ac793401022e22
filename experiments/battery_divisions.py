"""How each context's effect divides between its paths, under the battery's scenario, over several master seeds.

    python experiments/battery_divisions.py [--workers 2] [--master-seeds 101,202,303,404] [--out results/...]

The mechanism battery (:mod:`qicsim.studies.mechanism_checks.battery`) states, for each context, the
range its direct share and each mediator's share alone may take (``battery.PATHS``). The programme
theory names the paths but not how much each carries, so the ranges are the model's own division,
measured here: each context's unmutated battery runs (at the battery's size, ``replications_for``) on
master seeds that neither the battery's own seed (4242) nor the false-alarm seeds
(``mutations.FALSE_ALARM_SEEDS``) are among, and for each the share with its bootstrap standard error
(seeds resampled). The table (Markdown) is printed and written to ``--out``.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from qicsim.model.contexts import BY_NAME, CONTEXTS
from qicsim.run.evaluator import pool_map
from qicsim.run.output import git_commit
from qicsim.studies.mechanism_checks import battery
from qicsim.studies.mechanism_checks.battery import BatteryTask, paths, replications_for, run_battery_seed
from qicsim.studies.mechanism_checks.mediation import LinkedRuns, MediationResult
from qicsim.studies.mechanism_checks.mutations import FALSE_ALARM_SEEDS, SEED
from qicsim.studies.mechanism_checks.runs import seeds

ROOT = Path(__file__).resolve().parents[1]
MASTER_SEEDS = (101, 202, 303, 404)
BOOTSTRAP = 200


def divisions(runs: LinkedRuns, measure: str) -> dict[str, float]:
    """The direct share and each mediator's share alone of one context's runs."""
    result = MediationResult.from_runs(runs, measure)
    return {"direct": result.direct_share, **{m: result.share_alone(m) for m in result.mediators}}


def resampled(runs: LinkedRuns, rows: np.ndarray) -> LinkedRuns:
    """The same runs with their seeds taken in the order (and multiplicity) of ``rows``."""
    return LinkedRuns(runs.context, {c: v[rows] for c, v in runs.outcome.items()},
                      {c: v[rows] for c, v in runs.indicator.items()},
                      {m: v[rows] for m, v in runs.mediators.items()}, runs.series[rows])


def bootstrap_se(runs: LinkedRuns, measure: str, rng: np.random.Generator) -> dict[str, float]:
    """Each division's standard error over seeds resampled with replacement."""
    draws = defaultdict(list)
    n = len(runs.series)
    for _ in range(BOOTSTRAP):
        for name, value in divisions(resampled(runs, rng.integers(0, n, n)), measure).items():
            draws[name].append(value)
    return {name: float(np.nanstd(values, ddof=1)) for name, values in draws.items()}


def main(argv: list[str] | None = None) -> None:
    """Run the unmutated batteries on the master seeds; print and write each context's divisions."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--master-seeds", default=",".join(map(str, MASTER_SEEDS)))
    parser.add_argument("--only", default="", help="comma-separated context codes (C2,C9)")
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "battery_divisions.md")
    args = parser.parse_args(argv)
    masters = [int(s) for s in args.master_seeds.split(",")]
    if SEED in masters or set(masters) & set(FALSE_ALARM_SEEDS):
        parser.error(f"--master-seeds: not the battery's seed {SEED} nor a false-alarm seed {FALSE_ALARM_SEEDS}")
    codes = [c.strip() for c in args.only.split(",") if c.strip()]
    contexts = [c.name for c in CONTEXTS if not codes or c.code in codes]
    plan = [(context, master, seeds(master, replications_for(context))) for context in contexts for master in masters]
    tasks = [BatteryTask(seed, context) for context, _, seed_list in plan for seed in seed_list]
    start = time.perf_counter()
    results = iter(pool_map(run_battery_seed, tasks, args.workers))
    rng = np.random.default_rng(SEED)
    rows: dict[str, list[str]] = defaultdict(list)
    for context, master, seed_list in plan:
        runs = LinkedRuns.stack(context, [next(results) for _ in seed_list])
        measure = paths(context).measure
        shares, se = divisions(runs, measure), bootstrap_se(runs, measure, rng)
        cells = [f"{name} {shares[name]:+.0%} (SE {se[name]:.0%})" for name in shares]
        rows[context].append(f"| {BY_NAME[context].code} | {master} | {len(seed_list)} | {measure} | "
                             f"{'; '.join(cells)} |")
    minutes = (time.perf_counter() - start) / 60
    commit = git_commit() or "unknown"  # with +dirty when the checkout has changes
    lines = [f"# How each context's effect divides between its paths (scenario `{battery.SCENARIO}`)", "",
             f"Written by `python experiments/battery_divisions.py` at commit `{commit}`: master seeds "
             f"{', '.join(map(str, masters))}, each at the battery's size; {minutes:.1f} minutes on "
             f"{args.workers} workers. Shares of the effect (on the measure named) that holding the mediator "
             f"alone removes; direct: what is left with every mediator held. SE: bootstrap over seeds "
             f"({BOOTSTRAP} resamples).", "",
             "| context | master seed | seeds | measure | divisions |", "|---|---:|---:|---|---|"]
    for context in contexts:
        lines += rows[context]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
