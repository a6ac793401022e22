"""Write the validation table: Markdown to read, CSV to reuse, JSON with provenance.

Files (in a new or empty folder; ``provenance.json`` last, with a SHA-256 of each other file,
so a folder without it is not a complete result):

* ``validation.md``: the table of checks and each programme's outcomes, in plain words;
* ``validation.csv``: one row per target, every column of :class:`ValidationReport.table`;
* ``programmes.csv``: each programme's main run outcomes (mean and 90% interval);
* ``values.csv``: every target's simulated value per replication;
* ``validation.png``: each target's values against its criterion;
* ``provenance.json``: versions, command, ensemble, seeds and config of every scenario, and the
  table itself.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from qicsim.errors import WriteError
from qicsim.run.folders import atomic_write, check_output_folder
from qicsim.run.output import environment, sha256
from qicsim.studies.validation.check import ValidationReport, held_out_passed
from qicsim.studies.validation.criteria import PREDICTIVE_FAIL
from qicsim.studies.validation.figure import draw_validation

PROVENANCE = "provenance.json"
FILES = ("validation.md", "validation.csv", "programmes.csv", "values.csv", "validation.png")


def _number(value: float) -> str:
    return "" if pd.isna(value) else f"{value:.3g}"


def markdown(report: ValidationReport) -> str:
    """The validation table and the programmes' outcomes as Markdown."""
    table = report.table
    passed, held = held_out_passed(table)
    fitted = table[table["fitted"]] if "fitted" in table else table.iloc[0:0]
    replications = int(table["replications_used"].max() + table["replications_left_out"].max())
    basis = f"ensemble `{report.ensemble}`" if report.ensemble else "the point defaults"
    lines = [
        "# Held-out validation",
        "",
        f"{passed} of {held} checks pass, at {basis}, {replications} replications per programme "
        "(written by `qicsim-validate`; method and limits in docs/validation.md).",
        "",
    ]
    if len(fitted):
        lines += ["Not held out over this ensemble (its calibration fitted the same observations), so not counted: "
                  + ", ".join(f"{r.name} ({'pass' if r.passed else 'fail'})" for r in fitted.itertuples()) + ".", ""]
    lines += [
        "![Each target's simulated values against its criterion](validation.png)",
        "",
        "| check | programme | observed | criterion | simulated mean (90% interval) | detail | result | "
        "predictive p |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        simulated = (f"{_number(row.simulated_mean)} ({_number(row.simulated_p5)}-{_number(row.simulated_p95)})")
        p = _number(row.predictive_p) + (" **fails**" if row.predictive_fails else "")
        lines.append(f"| {row.name} | {row.programme} | {row.observed} | {row.criterion} | {simulated} | "
                     f"{row.detail} | {'pass' if row.passed else '**fail**'} | {p} |")
    failing = table[table["predictive_fails"]]
    lines += ["", f"Posterior predictive checks (issue 21, item 7): the probability of each observation were the "
              f"programme run once more, from the replications (two-sided where the source reports a value, the "
              f"share of replications inside the band where it gives only a bound; qicsim/studies/validation/"
              f"criteria.py). Below {PREDICTIVE_FAIL:g} the check fails: "
              + (", ".join(f"{r.name} (p {_number(r.predictive_p)})" for r in failing.itertuples()) or "none")
              + ". The verdicts (result) are the criteria's, fixed before the model was run."]
    lines += ["", "## Sources, simulated quantities and tolerances", ""]
    for row in table.itertuples():
        lines += [f"- **{row.name}** ({row.programme}). Source: {row.source}. Simulated: {row.simulated_quantity}. "
                  f"Tolerance: {row.why}. Held out: {row.held_out}."
                  + (f" {row.replications_left_out} replications left out (quantity undefined)."
                     if row.replications_left_out else "")]
    lines += ["", "## Each programme's outcomes (mean, 90% interval over replications)", "",
              "| programme | outcome | mean | 5% | 95% |", "|---|---|---|---|---|"]
    for row in report.outcomes.itertuples():
        lines.append(f"| {row.programme} | {row.outcome} | {_number(row.mean)} | {_number(row.p5)} | "
                     f"{_number(row.p95)} |")
    return "\n".join(lines) + "\n"


def write_report(report: ValidationReport, folder: Path, command: list[str] | None = None) -> Path:
    """Write the validation files to a new or empty folder.

    Args:
        report: What :func:`qicsim.studies.validation.validate` returned.
        folder: The output folder.
        command: The command line to record (default ``sys.argv``).

    Returns:
        The folder.

    Raises:
        DataError: If the folder holds a result or cannot be written.
    """
    check_output_folder(folder, "--out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / "validation.md", lambda p: p.write_text(markdown(report)))
        atomic_write(folder / "validation.csv", lambda p: report.table.to_csv(p, index=False))
        atomic_write(folder / "programmes.csv", lambda p: report.outcomes.to_csv(p, index=False))
        atomic_write(folder / "values.csv", lambda p: report.values.to_csv(p, index=False))
        atomic_write(folder / "validation.png", lambda p: draw_validation(report.table, report.values, p))
        record = {
            **environment(),
            "command": list(sys.argv if command is None else command),
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "ensemble": report.ensemble,
            "ensemble_file": report.ensemble_file,
            "seeds": report.seeds,
            "configs": report.configs,
            "table": json.loads(report.table.to_json(orient="records")),
            "sha256": {name: sha256(folder / name) for name in FILES},
        }
        atomic_write(folder / PROVENANCE, lambda p: p.write_text(json.dumps(record, indent=2, default=str)))
    except OSError as error:
        raise WriteError(str(error.filename or folder), f"cannot be written ({error.strerror or error})",
                         "a folder you can write to, on a disk with space") from error
    return folder
