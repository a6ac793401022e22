"""Which rival structures PEACH's 18 pattern checks admit: the rule that chose the default structure.

Issue 19 asks that the default structure pass PEACH's pattern checks (docs/evidence.md, section 4;
:mod:`qicsim.studies.mechanism_checks.patterns`). PEACH is the only evidence used: no other programme is
run here. The rule, fixed before any other programme was run under a new default: the structure with
the most new parts (switches off ``peach_2026``'s values) that passes all 18 checks at the documented
sample size (150 replications a condition, master seed 4242, bar 3 paired SE, as tests/test_patterns.py).

Screened at 100 replications a condition (the same seeds): each new part alone, every pair, every set
of three (all parts but one), and all four; the structure chosen is then checked at 150. The table goes
into docs/validation.md between its markers::

    python experiments/structure_selection.py            # print the table (about 40 minutes on 2 cores)
    python experiments/structure_selection.py --write    # and write it into docs/validation.md
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import qicsim
from qicsim.model.parameters import RECORDED_STRUCTURE
from qicsim.studies.mechanism_checks.patterns import Z_MIN, check_patterns, run_conditions

DOC = Path(__file__).resolve().parents[1] / "docs" / "validation.md"
BEGIN = "<!-- BEGIN structure selection: python experiments/structure_selection.py --write -->"
END = "<!-- END structure selection -->"
NEW = {"project_start": "facilitation", "time_model": "by_role", "project_sizes": "by_kind", "trap": "full_loop"}
"""Each switch's new part (``candidate_2027``); ``peach_2026`` holds :data:`RECORDED_STRUCTURE`."""
SEED = 4242
SCREEN = 100
CONFIRM = 150  # tests/helpers/cmo.py


def structures() -> list[tuple[str, ...]]:
    """Every non-empty set of new parts, fewest first."""
    names = list(NEW)
    return [parts for k in range(1, len(names) + 1) for parts in itertools.combinations(names, k)]


def overrides(parts: tuple[str, ...]) -> tuple[str, ...]:
    """The structure with ``parts`` new and the rest as in ``peach_2026``."""
    return tuple(f"structure.{name}={NEW[name] if name in parts else old}" for name, old in RECORDED_STRUCTURE.items())


def verdict(parts: tuple[str, ...], replications: int, workers: int) -> list[str]:
    """One table row: the structure, the checks passed, the failures with their figures, PEACH's headline figures."""
    runs = run_conditions(overrides(parts), replications=replications, master_seed=SEED, workers=workers)
    checks = check_patterns(runs, z_min=Z_MIN)
    failed = [c for c in checks if not c.passed]
    peach = runs["peach"]
    passed = f"{len(checks) - len(failed)} of {len(checks)}"
    return [" + ".join(f"`{NEW[p]}`" for p in parts), str(replications), passed,
            "; ".join(f"{c.pattern}: {c.figure}" for c in failed) or "none",
            f"{peach['homes_with_implementation'].mean() / 29:.2f}", f"{peach['implemented'].mean():.1f}",
            f"{peach['spread'].mean():.2f}"]


def table(workers: int) -> str:
    """The markdown table (and how it was made)."""
    started = time.perf_counter()
    rows, passing = [], []
    for parts in structures():
        row = verdict(parts, SCREEN, workers)
        rows.append(row)
        if row[2].startswith("18 "):
            passing.append(parts)
    best = max(passing, key=len) if passing else ()
    if best:
        rows.append(verdict(best, CONFIRM, workers))
    head = ["new parts (the rest as peach_2026)", "replications", "checks passed", "failed: figure",
            "homes implementing", "implemented", "spread"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    minutes = (time.perf_counter() - started) / 60
    chosen = " + ".join(NEW[p] for p in best) or "none"
    return "\n".join(lines) + (
        f"\n\nMaster seed {SEED}, bar {Z_MIN:g} paired SE, PEACH's conditions (PEACH, without each of C1-C9, "
        f"without C3 and C4, with data support) on shared seeds. Chosen: {chosen}. qicsim {qicsim.__version__}; "
        f"{minutes:.0f} minutes on {workers} workers.")


def main() -> None:
    """Print the table, and write it into docs/validation.md with --write."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    text = table(args.workers)
    print(text)
    if args.write:
        doc = DOC.read_text(encoding="utf-8")
        head, found, rest = doc.partition(BEGIN)
        if not found:
            raise SystemExit(f"{DOC}: no marker {BEGIN}")
        _, _, tail = rest.partition(END)
        DOC.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    main()
