"""Run the analyses that apply to a sweep's design and write them beside the sweep.

:func:`run_analyses` computes (no files); :func:`write_analysis` writes tables, figures and,
last, report.md to ``<sweep>/analysis/``; :func:`analyse` does both for a sweep folder. A
report.md that exists is complete: any earlier one is removed before the new files are
written, and every file is written to a temporary name and renamed into place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from qicsim.errors import ConfigError
from qicsim.model.theory import BY_NAME
from qicsim.run.folders import atomic_write, check_output_folder, check_writable
from qicsim.studies.analysis.bootstrap import check_settings
from qicsim.studies.analysis.cmo import cmo_markdown, cmo_table
from qicsim.studies.analysis.design import HEADLINE, checked_sweep, select_outcomes
from qicsim.studies.analysis.effects import factorial_effects
from qicsim.studies.analysis.figures import (
    interaction_heatmap,
    main_effects_figure,
    morris_figure,
    prim_trajectory_figure,
    removal_figure,
    sobol_figure,
)
from qicsim.studies.analysis.qca import DEFAULT_RULE, THRESHOLDS, OutcomeRule, qca, qca_conditions, qca_thresholds
from qicsim.studies.analysis.removal import removal_effects
from qicsim.studies.analysis.report import REPORT, Analysis, figure_name, render_report
from qicsim.studies.analysis.robust_conclusions import ROBUST_SHARE, robust_conclusions, set_column_of
from qicsim.studies.analysis.scenarios import scenario_discovery
from qicsim.studies.analysis.sensitivity import morris_indices, sobol_indices
from qicsim.studies.sweep.collect import load_dataset

ANALYSIS_FOLDER = "analysis"


def run_analyses(data: pd.DataFrame, manifest: dict[str, Any], outcomes: list[str] | None = None, *,
                 n_boot: int = 1000, seed: int = 0, conf_level: float = 0.95,
                 qca_rule: OutcomeRule = DEFAULT_RULE, consistency_cutoff: float = 0.8,
                 necessity_cutoff: float = 0.9, qca_thresholds_at: tuple[float, ...] | None = None,
                 prim_threshold: float = 0.8, robust_share: float = ROBUST_SHARE) -> Analysis:
    """Compute every analysis that applies to the design (no files are written).

    * ``factorial``: main effects and two-way interactions; crisp-set QCA (also across outcome
      thresholds) if the factors include contexts with levels [0, 1] or two-level parameters
      (and the QCA outcome column); the simulated CMO table if they include contexts.
    * ``one_at_a_time``: removal effects.
    * ``morris``: Morris indices. ``sobol``: Sobol indices.
    * every design: PRIM scenario discovery of the QCA outcome set (if its column is present).
    * a sweep crossed with an ensemble (``ensemble_set``): the conclusions that hold across
      its parameter sets (one-at-a-time and factorial designs); a one-at-a-time design's
      removal effects are then given per set only.

    Args:
        data: The dataset.
        manifest: design.json as a dict.
        outcomes: Outcome columns, or None for the default outcomes present.
        n_boot: Bootstrap samples (also SALib's resamples).
        seed: Bootstrap seed.
        conf_level: Interval coverage.
        qca_rule: QCA outcome rule.
        consistency_cutoff: QCA sufficiency cutoff.
        necessity_cutoff: QCA necessity cutoff.
        qca_thresholds_at: Outcome thresholds of the QCA across thresholds; None: 0.3 ... 0.7
            for the default outcome column, none for another.
        prim_threshold: Least density of a PRIM box.
        robust_share: Share of the ensemble's sets a robust conclusion holds in.

    Returns:
        The results, with no files recorded yet.

    Raises:
        ConfigError: For a malformed manifest, data that do not fit it, an unknown outcome
            or bad settings.
    """
    check_settings(n_boot, conf_level, seed)
    for key, value in (("prim_threshold", prim_threshold), ("robust_share", robust_share)):
        if not 0 < value <= 1:  # checked here too: each is used only if its analysis applies
            raise ConfigError(key, f"{value!r} is out of range", "a number in (0, 1]")
    sweep = checked_sweep(data, manifest)
    chosen = select_outcomes(sweep.data, outcomes)
    headline = HEADLINE if HEADLINE in chosen else chosen[0]
    a = Analysis(manifest, sweep.factors, sweep.points, sweep.replications, len(sweep.data), chosen, headline,
                 n_boot, seed, conf_level)
    boot = {"n_boot": n_boot, "seed": seed, "conf_level": conf_level}
    set_column = set_column_of(sweep.data)
    if qca_thresholds_at is None:
        qca_thresholds_at = THRESHOLDS if qca_rule.column == DEFAULT_RULE.column else ()
    if sweep.design == "factorial":
        a.effects = factorial_effects(sweep.data, manifest, chosen, **boot)
        if not qca_conditions(sweep.factors):
            a.notes.append("QCA: no context factor with levels [0, 1] (nor two-level parameter) to use as a "
                           "condition.")
        elif qca_rule.column not in sweep.data.columns:
            if qca_rule != DEFAULT_RULE:  # asked for by name: an error, not a note
                raise ConfigError("qca_outcome", f"no column {qca_rule.column!r} in the dataset",
                                  "a run outcome column, e.g. implemented>10")
            a.notes.append(f"QCA: the outcome column `{qca_rule.column}` is not in the dataset.")
        else:
            a.qca = qca(sweep.data, manifest, qca_rule, consistency_cutoff=consistency_cutoff,
                        necessity_cutoff=necessity_cutoff)
            if qca_thresholds_at:
                a.qca_thresholds = qca_thresholds(sweep.data, manifest, qca_rule.column, tuple(qca_thresholds_at),
                                                  consistency_cutoff=consistency_cutoff,
                                                  necessity_cutoff=necessity_cutoff)
        if any(f.kind == "context" and f.name in BY_NAME for f in sweep.factors):
            a.cmo = cmo_table(sweep.data, manifest, **boot)
        else:
            a.notes.append("Simulated CMO table: the design has no context factor.")
    elif sweep.design == "one_at_a_time" and set_column is not None:
        a.notes.append(f"Removal effects: the design is crossed with an ensemble (`{set_column}`), so each base "
                       "has one baseline per parameter set; they are given per set in the conclusions over the "
                       "ensemble.")
    elif sweep.design == "one_at_a_time":
        a.removal = removal_effects(sweep.data, manifest, chosen, **boot)
    elif sweep.design == "morris":
        a.morris = morris_indices(sweep.data, manifest, chosen, num_resamples=n_boot, seed=seed,
                                  conf_level=conf_level)
    else:
        a.sobol = sobol_indices(sweep.data, manifest, chosen, num_resamples=n_boot, seed=seed, conf_level=conf_level)
    if set_column is not None and sweep.design in ("factorial", "one_at_a_time"):
        a.robust = robust_conclusions(sweep.data, manifest, chosen, set_column=set_column, qca_rule=qca_rule,
                                      necessity_cutoff=necessity_cutoff, robust_share=robust_share, **boot)
    elif set_column is not None:
        a.notes.append(f"Conclusions over the ensemble: not computed for a {sweep.design} design.")
    if qca_rule.column in sweep.data.columns:
        a.scenarios = scenario_discovery(sweep.data, manifest, qca_rule, threshold=prim_threshold)
    else:
        a.notes.append(f"PRIM: the outcome column `{qca_rule.column}` is not in the dataset.")
    checks = (("Main effects", a.effects.main if a.effects else None, "estimate"),
              ("Removal effects", a.removal, "estimate"), ("Morris", a.morris, "mu_star"),
              ("Sobol", a.sobol.indices if a.sobol else None, "ST"))
    for name, table, column in checks:
        if table is not None:
            missing = list(dict.fromkeys(table.loc[table[column].isna(), "outcome"]))
            if missing:
                a.notes.append(f"{name}: not estimable for {', '.join(f'`{m}`' for m in missing)}: a design point "
                               "has no run with a value (e.g. a share whose denominator is 0 in every replication).")
    return a


def write_analysis(a: Analysis, folder: Path, figures: bool = True) -> Path:
    """Write the tables, figures and report.md (last) of an analysis.

    Args:
        a: What :func:`run_analyses` returned; its ``tables`` and ``figures`` are filled in.
        folder: The analysis folder (created if needed).
        figures: Whether to draw the figures.

    Returns:
        The path of report.md.
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / REPORT).unlink(missing_ok=True)  # a report.md that exists belongs to a complete analysis

    def table(kind: str, frame: pd.DataFrame) -> None:
        name = f"{kind}.csv"
        atomic_write(folder / name, lambda p: frame.to_csv(p, index=False))
        a.tables[kind] = name

    def figure(kind: str, outcome: str, draw: Callable[..., Path], *args: Any) -> None:
        name = figure_name(kind, outcome)
        atomic_write(folder / name, lambda p: draw(*args, outcome, p))
        a.figures[(kind, outcome)] = name

    level = {"conf_level": a.conf_level}
    if a.effects is not None:
        table("main_effects", a.effects.main)
        table("interactions", a.effects.interactions)
        for outcome in a.outcomes if figures else ():
            figure("main_effects", outcome, lambda t, o, p: main_effects_figure(t, o, p, **level), a.effects.main)
            if len(a.effects.interactions):
                figure("interactions", outcome, interaction_heatmap, a.effects.interactions)
    if a.qca is not None:
        table("qca_truth_table", a.qca.truth_table)
        table("qca_solutions", a.qca.solution_table())
        table("qca_necessity", a.qca.necessity)
    if a.qca_thresholds is not None:
        table("qca_thresholds", a.qca_thresholds.results)
        table("qca_thresholds_summary", a.qca_thresholds.summary)
    if a.scenarios is not None:
        table("prim_boxes", a.scenarios.boxes)
        table("prim_limits", a.scenarios.limits)
        if len(a.scenarios.trajectories):
            table("prim_trajectories", a.scenarios.trajectories)
            if figures:
                atomic_write(folder / "prim_trajectory.png",
                             lambda p: prim_trajectory_figure(a.scenarios.trajectories, p))
                a.figures[("prim", "trajectory")] = "prim_trajectory.png"
    if a.robust is not None:
        table("robust_conclusions", a.robust.conclusions)
        table("robust_verdicts", a.robust.verdicts)
        table("ensemble_sets", a.robust.set_parameters.rename_axis(a.robust.set_column).reset_index())
    if a.cmo is not None:
        table("cmo_table", a.cmo)
        atomic_write(folder / "cmo_table.md", lambda p: p.write_text(cmo_markdown(a.cmo, a.conf_level) + "\n",
                                                                    encoding="utf-8"))
    plots: list[tuple[str, pd.DataFrame | None, Callable[..., Path]]] = [
        ("removal", a.removal, removal_figure), ("morris", a.morris, morris_figure),
        ("sobol", a.sobol.indices if a.sobol else None, sobol_figure)]
    for kind, frame, draw in plots:
        if frame is None:
            continue
        table("removal_effects" if kind == "removal" else kind, frame)
        for outcome in a.outcomes if figures else ():
            figure(kind, outcome, lambda t, o, p, d=draw: d(t, o, p, **level), frame)
    if a.sobol is not None and len(a.sobol.second_order):
        table("sobol_second_order", a.sobol.second_order)
    report = folder / REPORT
    atomic_write(report, lambda p: p.write_text(render_report(a), encoding="utf-8"))
    return report


def analyse(folder: str | Path, outcomes: list[str] | None = None, n_boot: int = 1000, seed: int = 0, *,
            conf_level: float = 0.95, qca_rule: OutcomeRule = DEFAULT_RULE, consistency_cutoff: float = 0.8,
            necessity_cutoff: float = 0.9, figures: bool = True, out: str | Path | None = None,
            qca_thresholds_at: tuple[float, ...] | None = None, prim_threshold: float = 0.8,
            robust_share: float = ROBUST_SHARE) -> Path:
    """Analyse a sweep folder: read it, run what applies to its design, write ``analysis/`` (or ``out``).

    Args:
        folder: The sweep folder (design.json and dataset.parquet, docs/sweep-format.md).
        outcomes: Outcome columns, or None for the default outcomes present.
        n_boot: Bootstrap samples (also SALib's resamples).
        seed: Bootstrap seed.
        conf_level: Interval coverage.
        qca_rule: QCA outcome rule.
        consistency_cutoff: QCA sufficiency cutoff.
        necessity_cutoff: QCA necessity cutoff.
        figures: Whether to draw the figures.
        out: The analysis folder (default ``<folder>/analysis``, replaced by each analysis):
            another folder keeps an earlier analysis, e.g. one with other settings. It must be
            new or empty: a run's or another analysis's folder is refused, not written into.
        qca_thresholds_at: Outcome thresholds of the QCA across thresholds (see :func:`run_analyses`).
        prim_threshold: Least density of a PRIM box.
        robust_share: Share of an ensemble's sets a robust conclusion holds in.

    Returns:
        The analysis folder, with CSV tables, PNG figures and report.md.

    Raises:
        ConfigError: For a missing or unreadable folder or file, data that do not fit the
            manifest, an unknown outcome or bad settings; nothing is written then.
    """
    target = Path(out) if out is not None else Path(folder) / ANALYSIS_FOLDER
    if out is not None:  # a folder of the user's: a new or empty one, checked before the analyses run
        check_output_folder(target, "--out")
    data, manifest = load_dataset(folder)
    a = run_analyses(data, manifest, outcomes, n_boot=n_boot, seed=seed, conf_level=conf_level, qca_rule=qca_rule,
                     consistency_cutoff=consistency_cutoff, necessity_cutoff=necessity_cutoff,
                     qca_thresholds_at=qca_thresholds_at, prim_threshold=prim_threshold, robust_share=robust_share)
    check_writable(target, "--out")
    write_analysis(a, target, figures=figures)
    return target
