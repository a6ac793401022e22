"""Figures of a comparison: the cost-effectiveness plane, the acceptability curves and the funder's cost by item.

Options are named in plain words (:func:`qicsim.studies.policy.glossary.plain_option`) and told apart by
colour and by marker shape (or line style) together, so that no two can be confused by a reader who
does not see some colours: the colours are Okabe and Ito's eight, safe for the common colour-vision
deficiencies (Okabe and Ito 2008, "Color Universal Design"), the shapes and dashes cycle at other periods.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window
import matplotlib.pyplot as plt
import pandas as pd

from qicsim.studies.policy.costs import FUNDER_ITEMS
from qicsim.studies.policy.glossary import ITEM_NAMES, plain_option
from qicsim.studies.policy.options import BASELINE

OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")
"""Okabe and Ito's colour-blind-safe palette, black first (the baseline); means get a dark edge (yellow on white)."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
DASHES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1, 1, 1)))
DPI = 150  # sharp when the page scales a figure to its text's width (up to about 1000 px)


def style(i: int) -> dict[str, object]:
    """The colour, marker, dash and fill of the i-th option.

    The first eight options get the eight colours, filled; the next eight the same colours hollow, from
    the second (so the ninth is a hollow orange, not a second black); shapes cycle at nine. No two of
    the first 16 share colour, fill and shape, nor colour and dash.
    """
    lap = i // len(OKABE_ITO)
    return {"color": OKABE_ITO[(i + lap) % len(OKABE_ITO)], "marker": MARKERS[i % len(MARKERS)],
            "dash": DASHES[i % len(DASHES)], "filled": lap % 2 == 0}


def wrapped(name: str, width: int = 22) -> str:
    """A plain option name on lines of at most ``width`` characters (tick labels)."""
    return "\n".join(textwrap.wrap(name, width)) or name


def ce_plane(per_rep: pd.DataFrame, increments: pd.DataFrame, path: Path,
             budget: float | None = None) -> dict[str, object]:
    """Extra sustained improvements against extra funder cost, relative to the baseline, per option.

    Small marks are replications (differences paired by replication: common random numbers); large
    marks with a black edge are means, each option in its own colour and shape; the dashed line joins
    the frontier of :func:`qicsim.studies.policy.economics.incremental_analysis` (``increments``); with a
    budget, a dotted line marks the extra cost at which an option uses it up (the budget less the
    baseline's mean cost). Without a baseline among the options, absolute values are drawn.

    Returns:
        What was drawn: ``budget_line`` (its height in GBP thousand, or None) and ``looks`` (each option's
        :func:`style`, by its code name).
    """
    base = per_rep[per_rep["option"] == BASELINE].set_index("replication")
    front = increments[increments["on_frontier"]].sort_values("cost")
    shift_cost = increments.loc[increments["option"] == BASELINE, "cost"].sum()
    shift_effect = increments.loc[increments["option"] == BASELINE, "effect"].sum()
    fig, ax = plt.subplots(figsize=(7, 5.6))
    drawn: dict[str, object] = {"budget_line": None, "looks": {}}
    for i, (name, group) in enumerate(per_rep.groupby("option", sort=False)):
        g = group.set_index("replication")
        dx = g["sustained"] - (base["sustained"] if len(base) else 0)
        dy = g["funder_gbp"] - (base["funder_gbp"] if len(base) else 0)
        look = style(i)
        drawn["looks"][str(name)] = look
        face = look["color"] if look["filled"] else "white"
        ax.scatter(dx, dy / 1000, s=16, alpha=0.5, facecolor=face, edgecolor=look["color"], marker=look["marker"],
                   linewidths=0.8)
        edge = ("white" if look["color"] == OKABE_ITO[0] else "black") if look["filled"] else look["color"]
        ax.scatter(dx.mean(), dy.mean() / 1000, s=110, facecolor=face, edgecolor=edge, marker=look["marker"],
                   linewidths=1.2 if look["filled"] else 2.0, label=plain_option(str(name)), zorder=3)
    ax.plot(front["effect"] - shift_effect, (front["cost"] - shift_cost) / 1000, color="#555555", lw=1,
            ls="--", label="frontier (the good buys)", zorder=1)
    if budget is not None:
        base_cost = float(base["funder_gbp"].mean()) if len(base) else 0.0
        drawn["budget_line"] = (budget - base_cost) / 1000
        ax.axhline(drawn["budget_line"], color="black", lw=1.8, ls=":",
                   label=f"budget (GBP {budget / 1000:,.0f}k)", zorder=1)
    ax.axhline(0, color="grey", lw=0.8)
    ax.axvline(0, color="grey", lw=0.8)
    relative = "than the baseline " if len(base) else ""
    ax.set_xlabel(f"extra sustained improvements {relative}(per run)")
    ax.set_ylabel(f"extra cost to the funder {relative}(GBP thousand)")
    ax.set_title("Cost-effectiveness plane (small marks: single runs; large: means)", fontsize=10)
    save_with_legend_below(fig, ax, path)
    return drawn


def save_with_legend_below(fig: plt.Figure, ax: plt.Axes, path: Path) -> None:
    """Put the legend under the axes in two columns, then save the figure and free it."""
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def cost_breakdown(table: pd.DataFrame, path: Path) -> None:
    """Mean funder cost by item per option (stacked), with employer time beside it."""
    fig, ax = plt.subplots(figsize=(8, 5.6))
    names = [wrapped(plain_option(str(n))) for n in table["option"]]
    x = range(len(names))
    bottom = pd.Series(0.0, index=table.index)
    for i, item in enumerate(FUNDER_ITEMS):
        ax.bar([v - 0.2 for v in x], table[item] / 1000, 0.4, bottom=bottom / 1000,
               color=OKABE_ITO[(i + 1) % len(OKABE_ITO)], hatch=("", "//", "..", "xx", "\\\\")[i % 5],
               edgecolor="white", label=ITEM_NAMES.get(item, item.replace("_", " ")))
        bottom += table[item]
    ax.bar([v + 0.2 for v in x], table["employer_time_gbp"] / 1000, 0.4, color="lightgrey",
           edgecolor="grey", label="staff time employers absorb (not paid by the funder)")
    ax.set_xticks(list(x), names, rotation=35, ha="right", fontsize=8)
    ax.set_ylabel("mean cost per run (GBP thousand)")
    ax.set_title("Funder cost by item (left bar) and staff time employers absorb (right bar)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)


def acceptability_figure(curve: pd.DataFrame, path: Path) -> None:
    """Probability each option is best (highest net benefit) against willingness to pay per sustained improvement."""
    fig, ax = plt.subplots(figsize=(7, 5.2))
    for i, (name, group) in enumerate(curve.groupby("option", sort=False)):
        look = style(i)
        ax.plot(group["wtp"] / 1000, group["probability"], color=look["color"], ls=look["dash"],
                marker=look["marker"], markevery=max(len(group) // 8, 1), markersize=5,
                markerfacecolor=look["color"] if look["filled"] else "white", label=plain_option(str(name)))
    ax.set_xlabel("willingness to pay per extra sustained improvement (GBP thousand)")
    ax.set_ylabel("probability the option is the best buy")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Cost-effectiveness acceptability curves (funder's perspective)", fontsize=10)
    save_with_legend_below(fig, ax, path)
