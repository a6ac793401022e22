"""Health-economics functions of qicsim.studies.policy on synthetic cases whose answers are known by hand."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qicsim.errors import ConfigError, DataError
from qicsim.studies.policy.budget import Item, best_mix
from qicsim.studies.policy.economics import (
    STATUSES,
    acceptability,
    frontier,
    incremental_analysis,
    incremental_intervals,
    summarise,
)

# Textbook case (mean cost GBP, mean effect), ICERs by hand:
#   base (0, 0); A (100, 10): 100/10 = 10 per unit against base;
#   C (250, 8): costs more than A and does less -> dominated by A;
#   B (300, 12): 200/2 = 100 against A, but D (500, 20) is 200/8 = 25 against B, so B is
#   extendedly dominated; D against A: 400/10 = 40 > 10, so the frontier is base, A, D.
TEXTBOOK = {"base": (0.0, 0.0), "A": (100.0, 10.0), "B": (300.0, 12.0), "C": (250.0, 8.0), "D": (500.0, 20.0)}


def long_table(points, n_draws=20, spread=5.0):
    """Draws whose noise cancels exactly (+x, -x pairs), so the means are the given points."""
    noise = np.tile([spread, -spread], n_draws // 2) * np.repeat(np.arange(1, n_draws // 2 + 1), 2) / n_draws
    rows = []
    for option, (cost, effect) in points.items():
        for draw in range(n_draws):
            rows.append(
                {"option": option, "draw": draw, "cost": cost + noise[draw], "effect": effect + noise[draw] / 10}
            )
    return pd.DataFrame(rows)


def test_dominance_and_extended_dominance_match_hand_computed_icers():
    table = incremental_analysis(long_table(TEXTBOOK), baseline="base").set_index("option")
    assert table["status"].to_dict() == {
        "base": "baseline",
        "A": "frontier",
        "C": "dominated",
        "B": "extendedly dominated",
        "D": "frontier",
    }
    assert table.loc["C", "dominated_by"] == "A"
    assert table.loc["B", "dominated_by"] == "A + D"
    assert table.loc["A", "icer"] == pytest.approx(10.0)
    assert table.loc["D", "icer"] == pytest.approx(40.0)
    assert table.loc["D", "compared_with"] == "A"
    assert table.loc["base", "on_frontier"]
    assert table.loc["B", "icer_vs_baseline"] == pytest.approx(300 / 12)
    assert list(table.index) == ["base", "A", "C", "B", "D"]  # sorted by cost


def test_frontier_points_are_the_non_dominated_options():
    points = frontier(long_table(TEXTBOOK))
    assert points["option"].tolist() == ["base", "A", "D"]
    assert points["cost"].tolist() == pytest.approx([0.0, 100.0, 500.0])
    assert points["effect"].tolist() == pytest.approx([0.0, 10.0, 20.0])
    assert math.isnan(points["icer"].iloc[0])


def test_option_identical_to_baseline_is_dominated_and_cheaper_better_option_dominates_baseline():
    same = incremental_analysis(long_table({"base": (0, 0), "nothing": (0, 0), "A": (10, 1)}), "base").set_index(
        "option"
    )
    assert same.loc["nothing", "status"] == "dominated" and same.loc["nothing", "dominated_by"] == "base"
    better = incremental_analysis(long_table({"base": (10, 1), "A": (5, 2)}), "base").set_index("option")
    assert better.loc["base", "status"] == "baseline" and not better.loc["base", "on_frontier"]
    assert better.loc["A", "status"] == "frontier"


@pytest.mark.parametrize("seed", [1, 2])
def test_ceac_probabilities_sum_to_one_and_cheapest_wins_at_zero_wtp_when_effects_tie(seed):
    rng = np.random.default_rng(seed)
    n = 200
    effect = rng.normal(5, 1, n)  # the same effect in every option: effects tie draw by draw
    df = pd.concat(
        pd.DataFrame({"option": name, "draw": np.arange(n), "cost": base + rng.normal(0, 5, n), "effect": effect})
        for name, base in [("cheap", 10.0), ("mid", 100.0), ("dear", 200.0)]
    )
    curve = acceptability(df, [0, 50, 1000])
    sums = curve.groupby("wtp")["probability"].sum()
    assert sums.to_numpy() == pytest.approx(np.ones(3))
    at_zero = curve[curve["wtp"] == 0].set_index("option")["probability"]
    assert at_zero["cheap"] == 1.0 and at_zero["mid"] == 0.0


def test_ceac_follows_the_icer_threshold():
    # A costs 100 more and buys 1 more in every draw: it is best above 100 per unit, never below.
    df = long_table({"base": (0.0, 0.0), "A": (100.0, 1.0)}, spread=0.0)
    curve = acceptability(df, [99, 101]).set_index(["wtp", "option"])["probability"]
    assert curve[(99.0, "base")] == 1.0 and curve[(101.0, "A")] == 1.0


def test_bootstrap_interval_covers_the_known_ratio_in_most_samples():
    # True ratio of means 1000/10 = 100. Nominal 95%; over 60 independent samples the coverage of a
    # percentile bootstrap with 200 draws should be >= 85% (a binomial 95% band around 0.95 is ~0.89-1).
    covered = 0
    for seed in range(60):
        rng = np.random.default_rng(seed)
        df = pd.DataFrame(
            {
                "option": "x",
                "draw": np.arange(200),
                "cost": rng.normal(1000, 200, 200),
                "effect": rng.normal(10, 3, 200),
            }
        )
        row = summarise(df, n_boot=400, rng=seed).iloc[0]
        covered += row["cost_per_effect_low"] <= 100 <= row["cost_per_effect_high"]
    assert covered / 60 >= 0.85


def test_summary_is_reproducible_and_honest_about_no_effect():
    df = long_table({"none": (100.0, 0.0), "some": (100.0, 4.0)}, spread=0.0)
    df.loc[df["option"] == "none", "effect"] = 0.0
    # "weak": positive on average but zero in most draws: the ratio's upper bound must be unbounded.
    weak = pd.DataFrame({"option": "weak", "draw": np.arange(20), "cost": 50.0, "effect": [1.0] + [0.0] * 19})
    table = summarise(pd.concat([df, weak]), rng=3).set_index("option")
    assert math.isnan(table.loc["none", "cost_per_effect"]) and "not positive" in table.loc["none", "ratio_note"]
    assert table.loc["some", "cost_per_effect"] == pytest.approx(25.0)
    assert table.loc["weak", "cost_per_effect"] == pytest.approx(1000.0)
    assert math.isinf(table.loc["weak", "cost_per_effect_high"]) and "unbounded" in table.loc["weak", "ratio_note"]
    again = summarise(pd.concat([df, weak]), rng=3).set_index("option")
    pd.testing.assert_frame_equal(table, again)


def concave(mix):
    """Additive, concave: effect 2*sqrt(a) + 2*sqrt(b), with per-draw multipliers averaging 1."""
    draws = np.array([0.8, 1.2, 0.9, 1.1])
    effect = draws * (2 * math.sqrt(mix["a"]) + 2 * math.sqrt(mix["b"]))
    return np.full(4, 1000 * (mix["a"] + mix["b"])), effect


def test_grid_finds_the_known_best_mix_within_budget():
    # Max 2√a + 2√b with a + b <= 4 (GBP 1000 each): equal marginal returns give a = b = 2 (5.66 > 5.46 at 1, 3).
    items = [
        Item("a", lambda x: 1000 * x, levels=[0, 1, 2, 3, 4]),
        Item("b", lambda x: 1000 * x, levels=[0, 1, 2, 3, 4]),
    ]
    result = best_mix(concave, items, budget=4000)
    assert result.method == "grid"
    assert result.best == {"a": 2.0, "b": 2.0}
    assert (result.table["planned_cost"] <= 4000).all()
    assert result.table["mean_effect"].is_monotonic_decreasing
    assert result.stays_best == 1.0  # multipliers scale every mix alike: the choice never changes
    assert result.n_evaluated == 15  # only the 15 affordable mixes of 25 were simulated


def test_differential_evolution_finds_the_known_best_continuous_mix_within_budget():
    items = [Item("a", lambda x: 1000 * x, bounds=(0, 4)), Item("b", lambda x: 1000 * x, bounds=(0, 4))]
    result = best_mix(concave, items, budget=4000, seed=1)
    assert result.method == "differential_evolution"
    assert result.best["a"] == pytest.approx(2.0, abs=0.3) and result.best["b"] == pytest.approx(2.0, abs=0.3)
    assert result.table["mean_effect"].iloc[0] >= 4 * math.sqrt(2) - 0.05
    assert (result.table["planned_cost"] <= 4000 + 1e-6).all()


def test_how_often_the_choice_stays_best_across_draws():
    # Only one item fits. x: effect 3 in even draws, 0 in odd (mean 1.5); y: 1 always (mean 1).
    def evaluate(mix):
        n = np.arange(10)
        return np.zeros(10), mix["x"] * np.where(n % 2 == 0, 3.0, 0.0) + mix["y"] * 1.0

    items = [Item("x", lambda v: 10 * v, levels=[0, 1]), Item("y", lambda v: 10 * v, levels=[0, 1])]
    result = best_mix(evaluate, items, budget=10, n_runners_up=1)
    assert result.best == {"x": 1.0, "y": 0.0}
    assert result.stays_best == pytest.approx(0.5)
    # Counted among all affordable mixes: y is best in the odd draws, the zero mix never.
    assert result.mixes.set_index("mix")["p_best"].to_dict() == pytest.approx({"x=1": 0.5, "y=1": 0.5, "none": 0.0})
    # y costs no less than x and does less: dominated, so never shown as a runner-up.
    assert result.table["mix"].tolist() == ["x=1"]
    assert result.mixes.set_index("mix").loc["y=1", "dominated_by"] == "x=1"


def test_runners_up_are_the_frontier_never_a_dominated_or_extendedly_dominated_mix():
    # Mean (cost, effect) by mix, one item each at 0/1, at most one bought (budget 500):
    # a (100, 10) frontier; c (250, 8) dominated by a; b (300, 12) extendedly dominated by a + d; d (500, 20) best.
    points = {"a": (100.0, 10.0), "b": (300.0, 12.0), "c": (250.0, 8.0), "d": (500.0, 20.0)}

    def evaluate(mix):
        bought = [name for name, level in mix.items() if level]
        cost, effect = points[bought[0]] if bought else (0.0, 0.0)
        return np.full(4, cost), np.full(4, effect)

    items = [Item(name, lambda v, c=cost: c * v, levels=[0, 1]) for name, (cost, _) in points.items()]
    result = best_mix(evaluate, items, budget=500, n_runners_up=4)
    assert result.best == {"a": 0.0, "b": 0.0, "c": 0.0, "d": 1.0}
    assert result.table["mix"].tolist() == ["d=1", "a=1", "none"]  # the frontier, highest effect first
    assert result.table["rank"].tolist() == [1, 2, 3]
    status = result.mixes.set_index("mix")
    assert status.loc["c=1", "status"] == "dominated" and status.loc["c=1", "rank"] == 0
    assert status.loc["b=1", "status"] == "extendedly dominated"
    assert result.table.set_index("mix").loc["d=1", "icer"] == pytest.approx((500 - 100) / (20 - 10))
    assert result.table.set_index("mix").loc["d=1", "compared_with"] == "a=1"


@pytest.mark.parametrize(
    ("call", "error", "key"),
    [
        (lambda: best_mix(concave, [Item("a", lambda x: x, levels=[0, 1])], budget=-1), ConfigError, "budget"),
        (lambda: best_mix(concave, [Item("a", lambda x: x, levels=[0, 1])], budget="lots"), ConfigError, "budget"),
        (lambda: best_mix(concave, [Item("a", lambda x: 10 + x, levels=[0, 1])], budget=5), ConfigError, "budget"),
        (lambda: best_mix(concave, [Item("a", lambda x: "£5", levels=[0, 1])], budget=5), ConfigError, "items.a.cost"),
        (
            lambda: best_mix(lambda m: ([1.0], [1.0, 2.0]), [Item("a", float, levels=[0])], budget=5),
            DataError,
            "evaluate",
        ),
        (lambda: incremental_analysis(long_table(TEXTBOOK), baseline="nobody"), ConfigError, "baseline"),
        (lambda: incremental_intervals(long_table(TEXTBOOK), baseline="nobody"), ConfigError, "baseline"),
        (lambda: summarise(long_table(TEXTBOOK).assign(cost="£100")), DataError, "draws.cost"),
        (lambda: summarise(long_table(TEXTBOOK).drop(columns="effect")), DataError, "draws"),
        (lambda: summarise(long_table(TEXTBOOK).assign(effect=True)), DataError, "draws.effect"),
        (lambda: summarise(long_table(TEXTBOOK).astype({"cost": object}).assign(cost=None)), DataError, "draws.cost"),
        (lambda: summarise(long_table(TEXTBOOK).assign(cost=np.inf)), DataError, "draws.cost"),
        (lambda: frontier(long_table(TEXTBOOK).iloc[1:]), DataError, "draws"),
        (lambda: acceptability(long_table(TEXTBOOK), [-1]), ConfigError, "wtp"),
        (lambda: summarise(long_table(TEXTBOOK), ci=95), ConfigError, "ci"),
    ],
)
def test_bad_input_gives_a_one_line_error(call, error, key):
    with pytest.raises(error) as caught:
        call()
    assert caught.value.key == key
    assert "\n" not in str(caught.value)


def test_quadrants_against_the_baseline_never_give_a_misleading_negative_icer():
    points = {"base": (100.0, 5.0), "worse": (200.0, 4.0), "saver": (50.0, 6.0), "less": (50.0, 4.0), "more": (300, 7)}
    table = incremental_analysis(long_table(points), "base").set_index("option")
    assert table["vs_baseline"].to_dict() == {
        "base": "",
        "worse": "dominated",
        "saver": "dominant",
        "less": "costs less, does less",
        "more": "costs more, does more",
    }
    assert math.isnan(table.loc["worse", "icer_vs_baseline"]) and math.isnan(table.loc["saver", "icer_vs_baseline"])
    assert table.loc["less", "icer_vs_baseline"] == pytest.approx(50.0)  # GBP saved per unit given up
    assert table.loc["more", "icer_vs_baseline"] == pytest.approx(100.0)


def test_incremental_intervals_pair_the_draws_so_common_noise_cancels():
    # Both options share large draw-to-draw noise; the option adds exactly 1000 GBP and 2 units per draw.
    rng = np.random.default_rng(7)
    n = 100
    noise_cost, noise_effect = rng.normal(0, 5000, n), rng.normal(0, 10, n)
    base = pd.DataFrame(
        {"option": "base", "draw": np.arange(n), "cost": 20000 + noise_cost, "effect": 30 + noise_effect}
    )
    option = base.assign(option="x", cost=base["cost"] + 1000, effect=base["effect"] + 2)
    row = incremental_intervals(pd.concat([base, option]), "base", rng=1).iloc[0]
    assert row["icer"] == pytest.approx(500.0)
    assert row["icer_low"] == pytest.approx(500.0) and row["icer_high"] == pytest.approx(500.0)
    assert row["p_more_effective"] == 1.0 and row["vs_baseline"] == "costs more, does more"
    # Unpaired (draws shuffled for the option) the same data give a cloud crossing the axes: no ICER interval.
    shuffled = option.assign(draw=rng.permutation(n))
    loose = incremental_intervals(pd.concat([base, shuffled]), "base", rng=1).iloc[0]
    assert math.isnan(loose["icer_low"]) and "no ICER interval" in loose["icer_note"]


def test_differential_evolution_over_integer_levels_when_the_grid_is_too_large():
    levels = [0, 1, 2, 3, 4]
    items = [Item("a", lambda x: 1000 * x, levels=levels), Item("b", lambda x: 1000 * x, levels=levels)]
    result = best_mix(concave, items, budget=4000, max_grid=10, seed=2)
    assert result.method == "differential_evolution"
    assert result.best == {"a": 2.0, "b": 2.0}
    assert (result.table["planned_cost"] <= 4000).all()


def test_differential_evolution_prefers_the_free_mix_when_nothing_has_an_effect():
    # Issue 24 item 10: DE never ran the zero mix and so picked a costly mix at the same effect (0).
    levels = [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]
    items = [Item(name, lambda x: 12.0 * x, levels=levels) for name in "abcd"]
    result = best_mix(lambda mix: (np.zeros(4), np.zeros(4)), items, budget=50_000, max_grid=10, seed=3)
    assert result.method == "differential_evolution"
    assert result.best == dict.fromkeys("abcd", 0.0)
    assert result.table["planned_cost"].iloc[0] == 0.0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 1000), st.integers(0, 100)), min_size=1, max_size=7, unique_by=lambda p: p[0]),
    st.floats(0, 200),
)
def test_frontier_invariants_on_random_options(points, wtp):
    named = {f"o{i}": (float(c), float(e)) for i, (c, e) in enumerate(points)}
    df = long_table(named, n_draws=2, spread=0.0)
    table = incremental_analysis(df, "o0")
    assert set(table["status"]) <= set(STATUSES)
    front = frontier(df)
    # Along the frontier cost and effect rise and the ICERs rise (no extended dominance left).
    assert front["cost"].is_monotonic_increasing and front["effect"].is_monotonic_increasing
    assert front["icer"].dropna().is_monotonic_increasing
    # The option of highest net benefit at any willingness to pay is on the frontier.
    curve = acceptability(df, [wtp])
    assert curve["probability"].sum() == pytest.approx(1.0)
    assert set(curve.loc[curve["optimal"], "option"]) & set(front["option"])


def test_object_column_of_plain_numbers_is_accepted():
    df = long_table(TEXTBOOK).astype({"cost": object})
    pd.testing.assert_frame_equal(summarise(df), summarise(long_table(TEXTBOOK)))
