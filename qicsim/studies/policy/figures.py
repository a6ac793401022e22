"""Figures of a comparison: the cost-effectiveness plane and the funder's cost by item."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import pandas as pd

from qicsim.studies.policy.costs import FUNDER_ITEMS
from qicsim.studies.policy.options import BASELINE


def ce_plane(per_rep: pd.DataFrame, increments: pd.DataFrame, path: Path) -> None:
    """Extra sustained improvements against extra funder cost, relative to the baseline, per option.

    Dots are replications (differences paired by replication: common random numbers); crosses are means;
    the line joins the frontier of :func:`qicsim.studies.policy.economics.incremental_analysis` (``increments``).
    Without a baseline among the options, absolute values are drawn.
    """
    base = per_rep[per_rep["option"] == BASELINE].set_index("replication")
    front = increments[increments["on_frontier"]].sort_values("cost")
    shift_cost = increments.loc[increments["option"] == BASELINE, "cost"].sum()
    shift_effect = increments.loc[increments["option"] == BASELINE, "effect"].sum()
    fig, ax = plt.subplots(figsize=(7, 5))
    for i, (name, group) in enumerate(per_rep.groupby("option", sort=False)):
        g = group.set_index("replication")
        dx = g["sustained"] - (base["sustained"] if len(base) else 0)
        dy = g["funder_gbp"] - (base["funder_gbp"] if len(base) else 0)
        colour = f"C{i % 10}"
        ax.scatter(dx, dy / 1000, s=10, alpha=0.35, color=colour)
        ax.scatter(dx.mean(), dy.mean() / 1000, marker="X", s=90, color=colour, edgecolor="black", label=name)
    ax.plot(front["effect"] - shift_effect, (front["cost"] - shift_cost) / 1000, color="black", lw=1,
            ls="--", label="frontier", zorder=0)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    relative = "vs baseline " if len(base) else ""
    ax.set_xlabel(f"extra sustained improvements {relative}(per run)")
    ax.set_ylabel(f"extra funder cost {relative}(GBP thousand)")
    ax.set_title("Cost-effectiveness plane (dots: replications; crosses: means)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def cost_breakdown(table: pd.DataFrame, path: Path) -> None:
    """Mean funder cost by item per option (stacked), with employer time beside it."""
    fig, ax = plt.subplots(figsize=(8, 5))
    names = table["option"].tolist()
    x = range(len(names))
    bottom = pd.Series(0.0, index=table.index)
    for i, item in enumerate(FUNDER_ITEMS):
        ax.bar([v - 0.2 for v in x], table[item] / 1000, 0.4, bottom=bottom / 1000, color=f"C{i}",
               label=item.replace("_", " "))
        bottom += table[item]
    ax.bar([v + 0.2 for v in x], table["employer_time_gbp"] / 1000, 0.4, color="lightgrey",
           edgecolor="grey", label="employer time (not paid by funder)")
    ax.set_xticks(list(x), names, rotation=30, ha="right")
    ax.set_ylabel("mean cost per run (GBP thousand)")
    ax.set_title("Funder cost by item (left) and staff time employers absorb (right)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def acceptability_figure(curve: pd.DataFrame, path: Path) -> None:
    """Probability each option is best (highest net benefit) against willingness to pay per sustained improvement."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (name, group) in enumerate(curve.groupby("option", sort=False)):
        ax.plot(group["wtp"] / 1000, group["probability"], color=f"C{i % 10}", label=name)
    ax.set_xlabel("willingness to pay per extra sustained improvement (GBP thousand)")
    ax.set_ylabel("probability the option is best")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Cost-effectiveness acceptability curves (funder's perspective)")
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
