"""Robustness of the PEACH patterns: every assumed parameter moved by -25% and +25% in turn.

For each parameter whose source is an assumption (docs/parameters.md) and whose default is
a non-zero number, two moves: the default times ``1 - STEP`` and ``1 + STEP`` (whole numbers
rounded, moved by at least 1; values kept within the allowed range). Each move runs every
condition of :mod:`qicsim.studies.mechanism_checks.patterns` on shared seeds and records which checks fail.
The bar for paired effects is scaled to the replications (``Z_MIN * sqrt(n / 100)``), so
that a check asks for the same effect size as the tests do at 100 replications. The PEACH
defaults are run at the same size, so that a failure of the baseline itself (noise at that
size) is visible beside the moves.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, dataclass, fields
from pathlib import Path
from typing import Any

from qicsim.model.parameters import Parameters, Structure
from qicsim.studies.mechanism_checks.patterns import Z_MIN, check_patterns, run_conditions

STEP = 0.25


@dataclass(frozen=True)
class Move:
    """One parameter moved from its default.

    Attributes:
        group: ``parameters`` or ``structure``.
        name: The field.
        default: Its default.
        value: The moved value.
        direction: ``-25%`` or ``+25%``.
        clipped: Whether the range clipped the move.
    """

    group: str
    name: str
    default: float
    value: float
    direction: str
    clipped: bool

    @property
    def override(self) -> str:
        """The Hydra override of the move."""
        return f"{self.group}.{self.name}={self.value:g}"


def assumed_moves(step: float = STEP) -> list[Move]:
    """The two moves of every numeric parameter whose default is an assumption."""
    moves = []
    for group, cls in (("structure", Structure), ("parameters", Parameters)):
        for f in fields(cls):
            meta = f.metadata
            if "assumption" not in meta.get("source", "") or f.default is MISSING:
                continue
            default = f.default
            if isinstance(default, bool) or not isinstance(default, (int, float)) or default == 0:
                continue
            for sign, label in ((-1, f"-{step:.0%}"), (+1, f"+{step:.0%}")):
                value = default * (1 + sign * step)
                if meta.get("integer"):
                    value = round(value)
                    if value == default:
                        value = default + sign
                lo, hi = meta.get("lo"), meta.get("hi")
                bounded = min(hi, value) if hi is not None else value
                bounded = max(lo, bounded) if lo is not None else bounded
                if bounded == default:
                    continue
                moves.append(Move(group, f.name, float(default), float(bounded), label, bounded != value))
    return moves


def failed_checks(overrides: tuple[str, ...], replications: int, master_seed: int,
                  workers: int) -> list[dict[str, Any]]:
    """The pattern checks that fail under a set of overrides, with their figures."""
    runs = run_conditions(overrides, replications=replications, master_seed=master_seed, workers=workers)
    z_min = Z_MIN * math.sqrt(replications / 100)
    return [{"pattern": c.pattern, "claim": c.claim, "figure": c.figure}
            for c in check_patterns(runs, z_min=z_min) if not c.passed]


def run_robustness(folder: Path, *, replications: int = 40, master_seed: int = 4242, workers: int = 2,
                   only: list[str] | None = None, run: bool = True) -> dict[str, Any]:
    """Run (or resume) every move, one JSON file per move in ``folder``.

    Args:
        folder: Where each move's result is kept.
        replications: Replications per condition.
        master_seed: Master seed of the replication seeds.
        workers: Processes.
        only: Run only these parameters.
        run: False to read the results already in the folder and run nothing (moves not yet
            run have ``"failed": None``).

    Returns:
        ``{"baseline": [...failed checks], "moves": [{move fields, "failed": [...]}], ...}``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    settings = {"replications": replications, "master_seed": master_seed, "step": STEP}

    def cached(name: str, overrides: tuple[str, ...]) -> list[dict[str, Any]] | None:
        path = folder / f"{name}.json"
        if path.is_file():
            record = json.loads(path.read_text(encoding="utf-8"))
            if record.get("settings") == settings:
                return record["failed"]
        if not run:
            return None
        failed = failed_checks(overrides, replications, master_seed, workers)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"settings": settings, "overrides": list(overrides), "failed": failed}, indent=1),
                       encoding="utf-8")
        tmp.replace(path)
        return failed

    baseline = cached("baseline", ())
    moves = []
    for move in assumed_moves():
        if only and move.name not in only:
            continue
        failed = cached(f"{move.name}_{'down' if move.direction.startswith('-') else 'up'}", (move.override,))
        moves.append({**move.__dict__, "override": move.override, "failed": failed})
    return {"settings": settings, "baseline": baseline, "moves": moves}


def robustness_markdown(result: dict[str, Any], commit: str) -> str:
    """The robustness table of docs/robustness.md."""
    settings = result["settings"]
    n = settings["replications"]
    lines = [
        "# Robustness of the PEACH patterns", "",
        "<!-- Written by `python experiments/robustness.py`. -->", "",
        f"Every parameter whose default is an assumption (docs/parameters.md), moved by -25% and +25% in "
        f"turn (whole numbers rounded and moved by at least 1; clipped to the allowed range), with every "
        f"pattern check of `qicsim.studies.mechanism_checks.patterns` run on {n} replications per condition "
        f"(master seed "
        f"{settings['master_seed']}; commit `{commit}`). The bar for paired effects is scaled to keep the tests' "
        f"effect size: {Z_MIN:g} x sqrt({n}/100) = {Z_MIN * math.sqrt(n / 100):.2f} SE. At this size a check "
        "near its bar can fail by noise alone; the PEACH defaults are run at the same size for comparison.", "",
        f"**PEACH defaults at this size:** {_failed_text(result['baseline'])}.", ""]
    moves = result["moves"]
    done = [m for m in moves if m["failed"] is not None]
    breaking = [m for m in done if m["failed"]]
    names = {m["name"] for m in moves}
    lines += [f"**{len(done)} of {len(moves)} moves run ({len(names)} parameters); {len(breaking)} break at least "
              "one check** (listed first" + (", then those not run yet" if len(done) < len(moves) else "") + ").", "",
              *_classified(breaking, result["baseline"] or []), "",
              "| parameter | default | move | value | checks failed |", "|---|---:|---|---:|---|"]
    order = {True: 0, False: 1, None: 2}
    for move in sorted(moves, key=lambda m: (order[bool(m["failed"]) if m["failed"] is not None else None],
                                             m["name"], m["direction"])):
        value = f"{move['value']:g}" + (" (clipped)" if move["clipped"] else "")
        lines.append(f"| `{move['group']}.{move['name']}` | {move['default']:g} | {move['direction']} | {value} | "
                     f"{_failed_text(move['failed'])} |")
    return "\n".join(lines) + "\n"


def _classified(breaking: list[dict[str, Any]], baseline: list[dict[str, Any]]) -> list[str]:
    """The breaking moves, sorted by what they break.

    Only what the defaults also fail at this size (noise), only a pattern-4 drop (one
    context's effect under the scaled bar), or another pattern.
    """
    known = {(f["pattern"], f["claim"]) for f in baseline}

    def new_checks(move: dict[str, Any]) -> list[dict[str, Any]]:
        return [f for f in move["failed"] if (f["pattern"], f["claim"]) not in known]

    noise = [m for m in breaking if not new_checks(m)]
    only_4 = [m for m in breaking if new_checks(m) and all(f["pattern"] == "4" for f in new_checks(m))]
    other = [m for m in breaking if m not in noise and m not in only_4]
    names = "; ".join(f"`{m['name']}` {m['direction']} ({', '.join(sorted({f['pattern'] for f in new_checks(m)}))})"
                      for m in other)
    return [f"Of these, {len(noise)} fail only checks the PEACH defaults also fail at this size; {len(only_4)} "
            "fail, besides those, only pattern 4 (removing one context lowers implementation by less than the scaled "
            "bar; the weakest drop, alignment's, is z 6.5 at 150 replications in results/peach_patterns.md, so "
            "about 2.9 expected at 30, under 1.64 about one time in ten: more replications are needed to tell a "
            f"break from noise); **{len(other)} break another pattern**"
            + (f": {names}." if other else ".")]


def _failed_text(failed: list[dict[str, Any]] | None) -> str:
    if failed is None:
        return "not run yet"
    if not failed:
        return "none"
    return "; ".join(f"{f['pattern']} ({f['figure']})" for f in failed)
