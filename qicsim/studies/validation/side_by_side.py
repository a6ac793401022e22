"""Two validation tables side by side: what changed between them, check by check (issue 21, item 8).

``qicsim-validate`` writes ``validation.csv``; the held-out table over a new ensemble is read beside
the one over the old, so that docs/validation.md can say which verdicts changed. A check one table
marks as fitted (its ``fitted`` column: the ensemble's calibration fitted the same observation) is
shown but not counted as held out.

Usage::

    python -m qicsim.studies.validation.side_by_side results/validation-peach results/validation-programmes
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from qicsim.errors import DataError, QicsimError, exit_with

COLUMNS = ("key", "programme", "name", "criterion", "simulated_mean", "simulated_p5", "simulated_p95", "passed")


def read_table(folder: Path) -> pd.DataFrame:
    """A folder's ``validation.csv``, checked for the columns compared.

    Raises:
        DataError: For a missing or unreadable file, or one without the columns (one line).
    """
    path = folder / "validation.csv"
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise DataError(str(path), f"cannot be read ({type(exc).__name__})",
                        "a folder written by qicsim-validate") from exc
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise DataError(str(path), f"has no column {missing[0]!r}", "a validation.csv written by qicsim-validate")
    return table


def verdict(row: pd.Series) -> str:
    """A check's result in words: pass, fail, or fitted (not held out)."""
    word = "pass" if bool(row["passed"]) else "**fail**"
    return f"{word} (fitted)" if bool(row["fitted"]) else word


def simulated(row: pd.Series) -> str:
    """The simulated mean and its 90% interval."""
    return f"{row['simulated_mean']:.3g} ({row['simulated_p5']:.3g}-{row['simulated_p95']:.3g})"


def side_by_side(old: pd.DataFrame, new: pd.DataFrame, old_label: str, new_label: str) -> str:
    """A Markdown table of every check in either table, each side's result, and whether the verdict changed.

    Returns:
        The table, then one line counting the held-out checks passed on each side.
    """
    old, new = (t if "fitted" in t.columns else t.assign(fitted=False) for t in (old, new))  # older tables
    both = old.merge(new, on="key", how="outer", suffixes=("_old", "_new"), sort=False)
    rows = []
    for _, row in both.iterrows():
        sides = {}
        for suffix in ("old", "new"):
            if pd.isna(row[f"passed_{suffix}"]):
                sides[suffix] = ("not run", "-")
                continue
            one = pd.Series({c: row[f"{c}_{suffix}"] for c in ("passed", "fitted", "simulated_mean",
                                                                 "simulated_p5", "simulated_p95")})
            sides[suffix] = (verdict(one), simulated(one))
        name = row["name_old"] if isinstance(row["name_old"], str) else row["name_new"]
        programme = row["programme_old"] if isinstance(row["programme_old"], str) else row["programme_new"]
        changed = "yes" if sides["old"][0].split(" ")[0] != sides["new"][0].split(" ")[0] else ""
        rows.append({"check": name, "programme": programme, f"{old_label}: simulated": sides["old"][1],
                     f"{old_label}: result": sides["old"][0], f"{new_label}: simulated": sides["new"][1],
                     f"{new_label}: result": sides["new"][0], "verdict changed": changed})
    lines = [pd.DataFrame(rows).to_markdown(index=False), ""]
    for label, table in ((old_label, old), (new_label, new)):
        held = table[~table["fitted"].astype(bool)]
        lines.append(f"- {label}: {int(held['passed'].astype(bool).sum())} of {len(held)} held-out checks pass"
                     + (f" ({int(table['fitted'].astype(bool).sum())} fitted, not counted)."
                        if table["fitted"].astype(bool).any() else "."))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Command line: print the Markdown comparison of two ``qicsim-validate`` folders."""
    parser = argparse.ArgumentParser(prog="python -m qicsim.studies.validation.side_by_side",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("old", type=Path, help="the folder of the old table")
    parser.add_argument("new", type=Path, help="the folder of the new table")
    parser.add_argument("--labels", nargs=2, default=None, metavar=("OLD", "NEW"),
                        help="column labels (default: the folders' names)")
    args = parser.parse_args(argv)
    labels = args.labels or [args.old.name, args.new.name]
    try:
        print(side_by_side(read_table(args.old), read_table(args.new), *labels), end="")
    except QicsimError as error:
        exit_with(error, "side_by_side")


if __name__ == "__main__":
    main()
