"""The capability-trap table: two starting loads, with and without improvement, under each trap structure.

Each row is a setting run from a low and a high starting stock of open problems
(:func:`qicsim.studies.mechanism_checks.trap.trap_cells`), twice: as it is ("with
improvement") and with ``prevention_per_improvement`` 0, the control in which QI work goes
on but an improvement in place prevents nothing. Two stable states in both mean the states
come from the firefighting loop (problems, rushed care, work-arounds), not from improvement;
a trap that needs improvement shows them only in the first. The settings are today's PEACH
scenario with the trap structure switched, over a small grid of load settings at plausible
values, and with the full loop's own parameters at their defaults or all at the strong end of
their plausible ranges (docs/parameters.md). Three blocks:

- **grid**: PEACH's 78 weeks of support, then 182 without (the horizon of the earlier table);
- **parts**: at each clinical workload of the grid with the other load settings at their
  highest, each part of the strong loop alone, to say what pushes a home over;
- **sustained**: QI support (and so QI work) for all 260 weeks, with improvement worth its
  default and three times it.

Write the trap section of docs/mechanisms.md with::

    python -m qicsim.studies.mechanism_checks.trap_table --write [--replications 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from qicsim.model.parameters import Parameters
from qicsim.studies.mechanism_checks import trap
from qicsim.studies.mechanism_checks.trap import TrapCell, trap_cells

ROOT = Path(__file__).resolve().parents[3]
MECHANISMS_MD = ROOT / "docs" / "mechanisms.md"
HEADING = "## The capability trap: two starting loads"
SEED = 4242
COMMAND = "qicsim.studies.mechanism_checks.trap_table"
COLLAPSE = 0.9
"""Share of homes stuck high from the low start above which two states are read as a collapse, not a tipping point."""

PREVENTION = "parameters.prevention_per_improvement"
CONTROL = (f"{PREVENTION}=0",)
FOLLOW_UP = ("structure.follow_up_weeks=182",)
SUSTAINED = ("structure.collaborative_weeks=260", "structure.follow_up_weeks=0")
LOAD_GRID: dict[str, tuple[float, ...]] = {
    "parameters.care_workload_share": (0.97, 1.0),
    "parameters.problem_hours_per_week": (2, 8),
    "parameters.rushed_care_problems": (2, 10),
}
"""Load settings at plausible values: clinical demand 97% (the default) or 100% of contracted hours,
2-8 staff hours a week per open problem (default 2), extra problem inflow of 2-10 per unit
share of care left uncovered (default 2)."""

PARTS: dict[str, tuple[str, ...]] = {
    "work-arounds": ("parameters.workaround_share=0.9", "parameters.workaround_harm=4"),
    "erosion": ("parameters.skill_erosion=0.025", "parameters.routine_erosion=0.07",
                "parameters.erosion_pressure=30"),
    "lapses under load": ("parameters.lapse_pressure=30",),
    "managers' learning": ("parameters.slack_learning=0.2",),
}
"""Each part of the full loop with its parameters at the strong end of their plausible ranges."""
STRONG = tuple(itertools.chain.from_iterable(PARTS.values()))
LOOPS: dict[str, tuple[str, ...]] = {
    "firefighting": ("structure.trap=firefighting",),
    "full loop": ("structure.trap=full_loop",),
    "full loop, strong": ("structure.trap=full_loop", *STRONG),
}


@dataclass(frozen=True)
class TrapRow:
    """One setting, run with improvement and in the control (improvement prevents nothing).

    Attributes:
        block: Which block of the table (``grid``, ``parts``, ``sustained``).
        loop: The trap structure and the strength of its parameters (a key of :data:`LOOPS`, or a part's name).
        settings: The load settings (and improvement's worth) of the row, as (setting, value) pairs.
        improving: The cell with improvement as it is.
        control: The cell with ``prevention_per_improvement`` 0.
    """

    block: str
    loop: str
    settings: tuple[tuple[str, float], ...]
    improving: TrapCell
    control: TrapCell

    @property
    def from_improvement(self) -> bool:
        """Two stable states with improvement, and not in the control: a trap that needs improvement."""
        return self.improving.hysteresis and not self.control.hysteresis


@dataclass(frozen=True)
class RowSpec:
    """A row to run: its block, loop label, settings and the overrides that make it (horizon included)."""

    block: str
    loop: str
    settings: tuple[tuple[str, float], ...]
    overrides: tuple[str, ...]


def _assign(settings: tuple[tuple[str, float], ...]) -> tuple[str, ...]:
    return tuple(f"{name}={value:g}" for name, value in settings)


def grid_specs(load_grid: dict[str, tuple[float, ...]] = LOAD_GRID) -> list[RowSpec]:
    """Every loop at every load setting, PEACH's support then 182 weeks without."""
    specs = []
    for loop, overrides in LOOPS.items():
        for values in itertools.product(*load_grid.values()):
            settings = tuple(zip(load_grid, values, strict=True))
            specs.append(RowSpec("grid", loop, settings, (*overrides, *_assign(settings), *FOLLOW_UP)))
    return specs


def most_load(load_grid: dict[str, tuple[float, ...]] = LOAD_GRID) -> tuple[tuple[str, float], ...]:
    """The grid's cell with the most load: each setting at its highest value."""
    return tuple((name, max(values)) for name, values in load_grid.items())


def parts_cells(load_grid: dict[str, tuple[float, ...]] = LOAD_GRID) -> list[tuple[tuple[str, float], ...]]:
    """Each level of the first load setting (the clinical workload), every other setting at its highest."""
    first, *rest = load_grid
    return [((first, level), *((name, max(load_grid[name])) for name in rest)) for level in load_grid[first]]


def parts_specs(load_grid: dict[str, tuple[float, ...]] = LOAD_GRID) -> list[RowSpec]:
    """Each part of the strong loop alone (the others at their defaults), in each cell of :func:`parts_cells`."""
    return [RowSpec("parts", f"full loop, strong {part} only", settings,
                    ("structure.trap=full_loop", *overrides, *_assign(settings), *FOLLOW_UP))
            for settings in parts_cells(load_grid) for part, overrides in PARTS.items()]


def sustained_specs(load_grid: dict[str, tuple[float, ...]] = LOAD_GRID) -> list[RowSpec]:
    """The full loop with QI work going on for all 260 weeks, at the defaults and the most load, improvement x1, x3."""
    default = Parameters()
    prevention = default.prevention_per_improvement
    loads = [tuple((name, getattr(default, name.split(".")[1])) for name in load_grid), most_load(load_grid)]
    specs = []
    for loop in ("full loop", "full loop, strong"):
        for load, worth in itertools.product(loads, (prevention, 3 * prevention)):
            settings = (*load, (PREVENTION, worth))
            specs.append(RowSpec("sustained", loop, settings, (*LOOPS[loop], *_assign(settings), *SUSTAINED)))
    return specs


def run_rows(specs: list[RowSpec], *, replications: int = 20, workers: int = 2,
             master_seed: int = SEED) -> list[TrapRow]:
    """Run every row with improvement and in the control, all cells in one batch (shared seeds)."""
    cells = []
    for spec in specs:
        cells.append(spec.overrides)
        cells.append((*(o for o in spec.overrides if not o.startswith(f"{PREVENTION}=")), *CONTROL))
    done = trap_cells(cells, replications=replications, workers=workers, master_seed=master_seed)
    return [TrapRow(spec.block, spec.loop, spec.settings, done[2 * i], done[2 * i + 1])
            for i, spec in enumerate(specs)]


def _short(name: str) -> str:
    return name.split(".")[1]


def _cells(cell: TrapCell) -> str:
    stuck = f"{cell.stuck.baseline:.0%} / {cell.stuck.changed:.0%}" if cell.stuck is not None else "-"
    return (f"{cell.low:.1f} / {cell.high:.1f} | {stuck} | {cell.implemented_low:.1f} / {cell.implemented_high:.1f} | "
            f"{cell.gap.diff:+.2f} ({cell.gap.z:+.1f}) | {'**yes**' if cell.hysteresis else 'no'}")


def table(rows: list[TrapRow]) -> list[str]:
    """The rows as a Markdown table: settings, then each start's end state with and without improvement."""
    names = [name for name, _ in rows[0].settings]
    head = ("| loop | " + " | ".join(_short(n) for n in names)
            + " | open problems, low / high start | homes stuck high | implemented, low / high | gap (z) "
            "| two states | control: open problems | control: homes stuck high | control: implemented "
            "| control: gap (z) | control: two states |")
    lines = [head, "|---|" + "---:|" * len(names) + "---:|---:|---:|---:|---|---:|---:|---:|---:|---|"]
    for row in rows:
        values = " | ".join(f"{value:g}" for _, value in row.settings)
        lines.append(f"| {row.loop} | {values} | {_cells(row.improving)} | {_cells(row.control)} |")
    return lines


def _where(row: TrapRow) -> str:
    return ", ".join(f"`{_short(name)}` {value:g}" for name, value in row.settings)


def finding(rows: list[TrapRow]) -> list[str]:
    """What the table says, in words: where two stable states appear, whether improvement makes them, what tips."""
    grid = [r for r in rows if r.block == "grid"]
    words = []
    counts = []
    for loop in LOOPS:
        these = [r for r in grid if r.loop == loop]
        if not these:
            continue
        found = sum(r.improving.hysteresis for r in these)
        counts.append(f"{found} of {len(these)} settings under {loop}")
    words.append("**Two stable states** (with improvement): " + "; ".join(counts) + ".")
    two = [r for r in rows if r.improving.hysteresis or r.control.hysteresis]
    if not two:
        words.append("No row of any block has two stable states, with or without improvement: at these plausible "
                     "values the model has **no tipping point**; a high starting load is worked off whatever the "
                     "structure, and only costs improvement while it lasts (the implemented columns).")
        return words
    needs = [r for r in two if r.from_improvement]
    both = [r for r in two if r.improving.hysteresis and r.control.hysteresis]
    words.append(
        f"Rows with two stable states: {len(two)}; in {len(both)} of them the control, where an improvement prevents "
        f"nothing, has two states as well, and {len(needs)} have them only with improvement. "
        + ("So the two states come from the firefighting side of the loop (open problems, rushed care, "
           "work-arounds), not from improvement: it is a firefighting trap, not a capability trap."
           if not needs else
           "Rows where the states need improvement: " + "; ".join(f"{r.loop} ({_where(r)})" for r in needs) + "."))
    defaults = [r for r in grid if r.loop in ("firefighting", "full loop") and r.improving.hysteresis]
    words.append("At the loops' default strengths: " + (
        "no setting of the grid has two states." if not defaults else
        "two states at " + "; ".join(f"{r.loop} ({_where(r)})" for r in defaults) + "."))
    strong = [r for r in grid if r.loop == "full loop, strong" and r.improving.hysteresis]
    if strong:
        words.append("With every new part at the strong end of its plausible range, two states at "
                     + "; ".join(f"{_where(r)} ({_kind(r)}; homes stuck high: {_stuck(r.improving)})"
                                 for r in strong) + ". "
                     + _shared(strong, grid))
    parts = [r for r in rows if r.block == "parts"]
    for settings in dict.fromkeys(r.settings for r in parts):
        here = [r for r in parts if r.settings == settings]
        tipping = [r for r in here if r.improving.hysteresis]
        names = ", ".join(f"{r.loop.removeprefix('full loop, strong ').removesuffix(' only')} "
                          f"({_kind(r)}; homes stuck high: {_stuck(r.improving)})" for r in tipping)
        words.append(f"What pushes a home over, at {_where(here[0])}: "
                     + (names + ": alone at the strong end of its range, two states"
                        if tipping else "no part alone at the strong end of its range gives two states") + ".")
    words.append(_improvement_share(rows))
    sustained = [r for r in rows if r.block == "sustained"]
    if sustained:
        found = [r for r in sustained if r.improving.hysteresis]
        words.append(f"With QI work going on for all 260 weeks, two states in {len(found)} of {len(sustained)} rows"
                     + (": " + "; ".join(f"{r.loop} ({_where(r)}), control: "
                                         f"{'two states too' if r.control.hysteresis else 'one state'}"
                                         for r in found) if found else "") + ".")
    return words


def _kind(row: TrapRow) -> str:
    """A tipping point (the start decides how many homes end stuck high) or a collapse (nearly all do, either way)."""
    stuck = row.improving.stuck
    if stuck is None:
        return "two states"
    if stuck.baseline >= COLLAPSE:
        return "a collapse: nearly every home ends stuck high from either start"
    if stuck.z >= trap.Z_MIN:
        return "a tipping point: the start decides how many homes end stuck high"
    return "two states in the mean, not in the share of homes stuck high"


def _stuck(cell: TrapCell) -> str:
    if cell.stuck is None:
        return "not kept"
    return f"{cell.stuck.baseline:.0%} from the low start, {cell.stuck.changed:.0%} from the high"


def _shared(found: list[TrapRow], grid: list[TrapRow]) -> str:
    """The load settings every row with two states shares, against the defaults, in words."""
    default = Parameters()
    needed = []
    for i, (name, value) in enumerate(found[0].settings):
        levels = {row.settings[i][1] for row in grid}
        if len(levels) > 1 and all(row.settings[i][1] == value for row in found):
            base = getattr(default, name.split(".")[1])
            needed.append(f"`{_short(name)}` {value:g}" + (f" ({value / base:.2g} x default)" if base else ""))
    if not needed:
        return ""
    return "Every row with two states has " + " and ".join(needed) + "."


def _improvement_share(rows: list[TrapRow]) -> str:
    """How much of the gap between the two starts improvement itself makes: gap with improvement less the control's."""
    row = max(rows, key=lambda r: r.improving.gap.diff - r.control.gap.diff)
    extra = row.improving.gap.diff - row.control.gap.diff
    words = (f"Improvement's own part in the gap (the gap with improvement less the control's) is at most "
             f"{extra:+.2f} open problems per home ({extra / row.improving.reference:.0%} of the reference stock), "
             f"in {row.loop} ({_where(row)})")
    if extra < trap.MIN_GAP * row.improving.reference:
        return words + (f", under the {trap.MIN_GAP:.0%} bar for two states: what improvement prevents is too little "
                        "to tip a home either way.")
    if row.control.hysteresis:
        return words + (f", where the control's gap is already {row.control.gap.diff:+.2f}: improvement widens a gap "
                        "the firefighting loop makes (homes that start low implement more and end lower).")
    return words + ": improvement itself separates the two starts there."


def section(rows: list[TrapRow], *, replications: int, seconds: float | None = None, workers: int = 2) -> list[str]:
    """The trap section of docs/mechanisms.md: the design, the three blocks and the finding."""
    runs = 2 * 2 * replications * len(rows)
    timing = f" {runs:,} runs took {seconds / 60:.1f} minutes on {workers} workers." if seconds is not None else ""
    lines = [HEADING, "",
             f"<!-- Written by `python -m {COMMAND} --write` at commit `{_commit()}`. -->",
             "",
             f"The same settings (PEACH, structures switched) run from a low and a high starting stock of open "
             f"problems ({trap.LOW_START:g} and {trap.HIGH_START:g} times the reference stock), {replications} "
             f"shared seeds per start. End state: open problems per home over the last {trap.END_WEEKS} weeks. "
             f"Two stable states (hysteresis) when the two end states differ by {trap.Z_MIN:g} paired SE and by "
             f"more than {trap.MIN_GAP:.0%} of the reference stock. Homes stuck high: the share of homes whose open "
             f"problems end above {trap.STUCK:g} times their reference stock. Each row is run with improvement as "
             "it is and in a control with `prevention_per_improvement` 0 (QI work goes on; an improvement in "
             "place prevents nothing): states that the control shares do not come from improvement. Loops: "
             "`firefighting` (`peach_2026`), `full loop` (`structure.trap` = `full_loop`, its parameters at "
             "their defaults), `full loop, strong` (every new part at the strong end of its plausible range: "
             + ", ".join(f"`{o.split('.', 1)[1]}`" for o in STRONG) + ")." + timing, ""]
    blocks = {"grid": ("### Load grid", "PEACH's 78 weeks of support, then 182 weeks without."),
              "parts": ("### What pushes a home over", "Each clinical workload of the grid with the other load "
                        "settings at their highest; one part of the strong loop at a time, the others at their "
                        "defaults."),
              "sustained": ("### QI work sustained", "Support, and so QI work, for all 260 weeks (learning events as "
                            "in PEACH); improvement worth its default and three times it.")}
    for block, (title, text) in blocks.items():
        these = [r for r in rows if r.block == block]
        if these:
            lines += [title, "", text, "", *table(these), ""]
    lines += ["### Finding", ""]
    for paragraph in finding(rows):
        lines += [paragraph, ""]
    return lines


def _commit() -> str:
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False).stdout.strip() or "unknown"


def write_section(lines: list[str], path: Path = MECHANISMS_MD) -> None:
    """Replace the trap section of docs/mechanisms.md (from its heading to the next top-level section or the end)."""
    text = path.read_text(encoding="utf-8")
    new = "\n".join(lines).rstrip("\n") + "\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## (?!#)|\Z)", flags=re.M | re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: new + "\n", text, count=1).rstrip("\n") + "\n"
    else:
        text = text.rstrip("\n") + "\n\n" + new
    path.write_text(text, encoding="utf-8")


def all_specs() -> list[RowSpec]:
    """The three blocks' rows."""
    return [*grid_specs(), *parts_specs(), *sustained_specs()]


def main(argv: list[str] | None = None) -> None:
    """Run the table; print it, or write it into docs/mechanisms.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the section into docs/mechanisms.md")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = run_rows(all_specs(), replications=args.replications, workers=args.workers)
    lines = section(rows, replications=args.replications, seconds=time.perf_counter() - start, workers=args.workers)
    if args.write:
        write_section(lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
