"""Figures of the analyses (PNG). matplotlib is imported inside each function.

Figures are drawn on a ``matplotlib.figure.Figure`` without pyplot, so plotting neither
needs a display nor changes the caller's matplotlib backend or state.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DPI = 120


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI)


def _errors(estimate: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """Error-bar lengths below and above each estimate (0 where unknown)."""
    below = np.nan_to_num(estimate - low, nan=0.0).clip(min=0)
    above = np.nan_to_num(high - estimate, nan=0.0).clip(min=0)
    return np.vstack([below, above])


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path)
    return path


def _labels(table: pd.DataFrame, name: str = "factor", code: str = "code") -> list[str]:
    return [f"{c} {n}" if c != n else n for c, n in zip(table[code], table[name], strict=True)]


ERROR_BARS = {"ecolor": "black", "capsize": 3, "linewidth": 1}


def _signed_bars(ax: Any, rows: pd.DataFrame, labels: list[str]) -> None:
    """Horizontal bars of ``estimate`` (blue up, red down) with ``ci_low``-``ci_high`` error bars, top to bottom."""
    est = rows["estimate"].to_numpy(dtype=float)
    y = np.arange(len(rows))[::-1]
    ax.barh(y, est, color=np.where(est >= 0, "tab:blue", "tab:red"), alpha=0.8,
            xerr=_errors(est, rows["ci_low"].to_numpy(dtype=float), rows["ci_high"].to_numpy(dtype=float)),
            error_kw=ERROR_BARS)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=8)


def main_effects_figure(table: pd.DataFrame, outcome: str, path: Path, conf_level: float = 0.95) -> Path:
    """Bar chart of the main effects on one outcome, with their intervals as error bars.

    Args:
        table: Main effects (:func:`qicsim.studies.analysis.effects.main_effects`).
        outcome: The outcome to plot.
        path: PNG file to write.
        conf_level: Coverage of the intervals, for the axis label.

    Returns:
        The path.
    """
    rows = table[table["outcome"] == outcome]
    fig = _figure(7, 0.8 + 0.35 * len(rows))
    ax = fig.subplots()
    _signed_bars(ax, rows, _labels(rows))
    ax.set_xlabel(f"main effect on {outcome} (high - low), {conf_level:.0%} bootstrap CI")
    ax.set_title(f"Main effects: {outcome}", fontsize=10)
    return _save(fig, path)


def interaction_heatmap(table: pd.DataFrame, outcome: str, path: Path) -> Path:
    """Heatmap of the two-way interactions on one outcome (Yates's convention).

    Args:
        table: Interactions (:func:`qicsim.studies.analysis.effects.interactions`).
        outcome: The outcome to plot.
        path: PNG file to write.

    Returns:
        The path.
    """
    rows = table[table["outcome"] == outcome]
    codes = list(dict.fromkeys([*rows["code_a"], *rows["code_b"]]))
    k = len(codes)
    matrix = np.full((k, k), np.nan)
    for r in rows.itertuples(index=False):
        i, j = codes.index(r.code_a), codes.index(r.code_b)
        matrix[i, j] = matrix[j, i] = r.estimate
    limit = float(np.nanmax(np.abs(matrix))) if np.isfinite(matrix).any() else 1.0
    limit = limit or 1.0
    fig = _figure(1.5 + 0.55 * k, 1.0 + 0.5 * k)
    ax = fig.subplots()
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax.set_xticks(range(k), codes, fontsize=8)
    ax.set_yticks(range(k), codes, fontsize=8)
    if k <= 12:
        for i in range(k):
            for j in range(k):
                if np.isfinite(matrix[i, j]):
                    dark = abs(matrix[i, j]) > 0.6 * limit
                    ax.text(j, i, f"{matrix[i, j]:.2g}", ha="center", va="center", fontsize=6,
                            color="white" if dark else "black")
    fig.colorbar(image, ax=ax, label="interaction (Yates)")
    ax.set_title(f"Two-way interactions: {outcome}", fontsize=10)
    return _save(fig, path)


def removal_figure(table: pd.DataFrame, outcome: str, path: Path, conf_level: float = 0.95) -> Path:
    """Bar chart of removal effects on one outcome, one panel per base scenario.

    Args:
        table: Removal effects (:func:`qicsim.studies.analysis.removal.removal_effects`).
        outcome: The outcome to plot.
        path: PNG file to write.
        conf_level: Coverage of the intervals, for the axis label.

    Returns:
        The path.
    """
    rows = table[table["outcome"] == outcome]
    bases = list(dict.fromkeys(rows["base"]))
    fig = _figure(7, 0.6 + sum(0.6 + 0.3 * int((rows["base"] == b).sum()) for b in bases))
    axes = fig.subplots(max(1, len(bases)), 1, squeeze=False, sharex=True)[:, 0]
    for ax, base in zip(axes, bases, strict=False):
        part = rows[rows["base"] == base]
        _signed_bars(ax, part, _labels(part, "removed"))
        ax.set_title(f"base {base}: removing one context", fontsize=9)
    axes[-1].set_xlabel(f"change in {outcome} (without - baseline), {conf_level:.0%} bootstrap CI")
    return _save(fig, path)


def morris_figure(table: pd.DataFrame, outcome: str, path: Path, conf_level: float = 0.95) -> Path:
    """Bar chart of Morris mu* on one outcome with its bootstrap interval, and sigma.

    Args:
        table: Morris indices (:func:`qicsim.studies.analysis.sensitivity.morris_indices`).
        outcome: The outcome to plot.
        path: PNG file to write.
        conf_level: Coverage of the intervals, for the axis label.

    Returns:
        The path.
    """
    rows = table[table["outcome"] == outcome]
    y = np.arange(len(rows))[::-1]
    fig = _figure(7, 0.8 + 0.35 * len(rows))
    ax = fig.subplots()
    conf = np.nan_to_num(rows["mu_star_conf"].to_numpy(dtype=float))
    ax.barh(y + 0.2, rows["mu_star"], height=0.4, xerr=conf, color="tab:blue", label="mu*",
            error_kw=ERROR_BARS)
    ax.barh(y - 0.2, rows["sigma"], height=0.4, color="tab:grey", label="sigma")
    ax.set_yticks(y, _labels(rows), fontsize=8)
    ax.set_xlabel(f"elementary effect on {outcome} (mu* with {conf_level:.0%} CI)")
    ax.set_title(f"Morris screening: {outcome}", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def sobol_figure(table: pd.DataFrame, outcome: str, path: Path, conf_level: float = 0.95) -> Path:
    """Bar chart of Sobol first-order and total indices on one outcome, with their intervals.

    Args:
        table: Sobol indices (:attr:`qicsim.studies.analysis.sensitivity.SobolIndices.indices`).
        outcome: The outcome to plot.
        path: PNG file to write.
        conf_level: Coverage of the intervals, for the axis label.

    Returns:
        The path.
    """
    rows = table[table["outcome"] == outcome]
    y = np.arange(len(rows))[::-1]
    fig = _figure(7, 0.8 + 0.35 * len(rows))
    ax = fig.subplots()
    for shift, key, colour in ((0.2, "S1", "tab:blue"), (-0.2, "ST", "tab:orange")):
        ax.barh(y + shift, rows[key], height=0.4, color=colour, label=key,
                xerr=np.nan_to_num(rows[f"{key}_conf"].to_numpy(dtype=float)),
                error_kw=ERROR_BARS)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, _labels(rows), fontsize=8)
    ax.set_xlabel(f"Sobol index of {outcome} ({conf_level:.0%} CI)")
    ax.set_title(f"Sobol indices: {outcome}", fontsize=10)
    ax.legend(fontsize=8)
    return _save(fig, path)


def prim_trajectory_figure(trajectories: pd.DataFrame, path: Path) -> Path:
    """PRIM's peeling trajectories: density against coverage at each step, the chosen box marked.

    Args:
        trajectories: ``box``, ``coverage``, ``density``, ``res_dim``, ``chosen`` (one row per step).
        path: The PNG to write.
    """
    fig = _figure(6, 4.5)
    ax = fig.add_subplot()
    top = max(int(trajectories["res_dim"].max()), 1)
    for (box, steps), marker in zip(trajectories.groupby("box"), "os^v", strict=False):
        points = ax.scatter(steps["coverage"], steps["density"], c=steps["res_dim"], cmap="viridis", s=16,
                            marker=marker, vmin=0, vmax=top, label=f"search {box}")
        chosen = steps[steps["chosen"]]
        ax.scatter(chosen["coverage"], chosen["density"], facecolors="none", edgecolors="red", s=90, linewidths=1.5)
    fig.colorbar(points, ax=ax, label="restricted inputs")
    ax.legend(loc="lower right", fontsize="small")
    ax.set_xlabel("coverage")
    ax.set_ylabel("density")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title("PRIM peeling trajectory (red: box reported)")
    return _save(fig, path)
