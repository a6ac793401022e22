"""Main effects, Yates interactions and their stratified bootstrap (qicsim.studies.analysis.effects, .bootstrap)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.analysis import factorial

from qicsim.errors import ConfigError
from qicsim.studies.analysis import bootstrap
from qicsim.studies.analysis.bootstrap import bootstrap_point_means, percentile_interval, point_means
from qicsim.studies.analysis.effects import factorial_effects, interactions, main_effects

NOISE = 0.01


def only_c4(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    n = len(values["C4"])
    return {"implemented": 5 + 3 * values["C4"] + NOISE * rng.standard_normal(n)}


@pytest.fixture(scope="module")
def c4_effects():
    data, design = factorial(only_c4)
    return data, design, factorial_effects(data, design, ["implemented"], n_boot=1000, seed=3)


def test_only_c4_has_a_main_effect(c4_effects) -> None:
    data, _, effects = c4_effects
    main = effects.main.set_index("code")
    assert len(data) == 2 ** 9 * 4
    assert len(main) == 9 and set(main["n"]) == {2 ** 8}  # complete pairs of cells
    assert main["estimate"].abs().idxmax() == "C4"
    c4 = main.loc["C4"]
    assert c4["ci_low"] > 0 and c4["ci_low"] <= c4["estimate"] <= c4["ci_high"]
    assert c4["estimate"] == pytest.approx(3, abs=0.01)
    others = main.drop(index="C4")
    includes_zero = (others["ci_low"] <= 0) & (others["ci_high"] >= 0)
    tiny = others[["ci_low", "ci_high"]].abs().max(axis=1) < 10 * NOISE
    assert (includes_zero | tiny).all(), others
    assert includes_zero.mean() >= 0.5  # most intervals of null effects include 0


def test_main_effect_is_the_difference_of_run_means(c4_effects) -> None:
    data, _, effects = c4_effects
    for row in effects.main.itertuples():
        by_level = data.groupby(row.factor)["implemented"].mean()
        assert row.mean_lo == pytest.approx(by_level[0.0])
        assert row.mean_hi == pytest.approx(by_level[1.0])
        assert row.estimate == pytest.approx(by_level[1.0] - by_level[0.0])


def c1_where_c4(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Defined only where C4 is present (like weeks to a first implementation), then 2*C1 + C2*C3."""
    y = 2 * values["C1"] + values["C2"] * values["C3"] + NOISE * rng.standard_normal(len(values["C4"]))
    return {"implemented": np.where(values["C4"] == 1, y, np.nan)}


def test_effects_use_the_pairs_where_the_outcome_is_defined() -> None:
    data, design = factorial(c1_where_c4)
    effects = factorial_effects(data, design, ["implemented"], n_boot=300, seed=1)
    main = effects.main.set_index("code")
    assert np.isnan(main.loc["C4", "estimate"]) and main.loc["C4", "n"] == 0
    defined = data[data["protected_time"] == 1]
    for code, factor in (("C1", "remit_clarity"), ("C2", "prior_partnership"), ("C5", "alignment")):
        row = main.loc[code]
        assert row["n"] == 2 ** 7  # the pairs with C4 present
        by_level = defined.groupby(factor)["implemented"].mean()
        assert row["estimate"] == pytest.approx(by_level[1.0] - by_level[0.0])
        assert row["mean_hi"] - row["mean_lo"] == pytest.approx(row["estimate"])
        assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    assert main.loc["C1", "estimate"] == pytest.approx(2, abs=0.01)
    assert main.loc["C2", "estimate"] == pytest.approx(0.5, abs=0.01)
    inter = effects.interactions.set_index(["code_a", "code_b"])
    assert inter.loc[("C2", "C3"), "estimate"] == pytest.approx(0.5, abs=0.01)
    assert inter.loc[("C2", "C3"), "n"] == 2 ** 6
    assert np.isnan(inter.loc[("C1", "C4"), "estimate"])


def test_no_interactions_when_effects_add(c4_effects) -> None:
    inter = c4_effects[2].interactions
    assert len(inter) == 36
    assert inter["estimate"].abs().max() < 5 * NOISE
    assert set(inter.columns) >= {"outcome", "factor_a", "factor_b", "code_a", "code_b", "estimate", "ci_low",
                                  "ci_high", "n"}


def test_yates_interaction_of_a_product() -> None:
    data, design = factorial(lambda v, rng: {"implemented": v["C1"] * v["C2"]}, codes=("C1", "C2", "C3"),
                             replications=3)
    effects = factorial_effects(data, design, ["implemented"], n_boot=200)
    main = effects.main.set_index("code")["estimate"]
    assert main["C1"] == pytest.approx(0.5) and main["C2"] == pytest.approx(0.5)
    assert main["C3"] == pytest.approx(0.0)
    inter = effects.interactions.set_index(["code_a", "code_b"])
    assert inter.loc[("C1", "C2"), "estimate"] == pytest.approx(0.5)
    assert inter.loc[("C1", "C2"), "ci_low"] == pytest.approx(0.5)  # no noise: every resample is the same
    assert inter.loc[("C1", "C3"), "estimate"] == pytest.approx(0.0)
    # Yates: half the difference of C1's effect with C2 high and with C2 low, computed from the cells.
    cells = data.groupby(["remit_clarity", "prior_partnership"])["implemented"].mean()
    half_difference = ((cells[1, 1] - cells[0, 1]) - (cells[1, 0] - cells[0, 0])) / 2
    assert inter.loc[("C1", "C2"), "estimate"] == pytest.approx(half_difference)


def test_interaction_and_main_effect_differ_when_asymmetric() -> None:
    data, design = factorial(lambda v, rng: {"implemented": 2 * v["C1"] - 4 * v["C1"] * v["C2"]},
                             codes=("C1", "C2"), replications=2)
    main = main_effects(data, design, ["implemented"], n_boot=50).set_index("code")["estimate"]
    inter = interactions(data, design, ["implemented"], n_boot=50)
    assert main["C1"] == pytest.approx(2 - 4 / 2) and main["C2"] == pytest.approx(-4 / 2)
    assert inter["estimate"].iloc[0] == pytest.approx(-4 / 2)


def test_bootstrap_resamples_within_each_point() -> None:
    rng = np.random.default_rng(0)
    values = np.arange(50)[:, None] * 10 + rng.random((50, 5))  # point p's runs lie in [10p, 10p + 1)
    boot = bootstrap_point_means(values, 300, np.random.default_rng(1))
    assert boot.shape == (300, 50)
    assert np.all((boot >= values.min(axis=1) - 1e-9) & (boot <= values.max(axis=1) + 1e-9))
    assert np.std(boot, axis=0).min() > 0  # replications really are resampled


def test_bootstrap_chunks_and_missing_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "CHUNK_ELEMENTS", 7)  # one bootstrap sample per chunk
    values = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])
    assert np.array_equal(point_means(values), [2.0, np.nan], equal_nan=True)
    boot = bootstrap_point_means(values, 40, np.random.default_rng(2))
    assert boot.shape == (40, 2) and np.isnan(boot[:, 1]).all()
    finite = boot[:, 0][~np.isnan(boot[:, 0])]
    assert len(finite) > 20 and np.all((finite >= 1) & (finite <= 3))
    low, high = percentile_interval(boot, 0.9)
    assert 1 <= low[0] <= high[0] <= 3 and np.isnan(low[1]) and np.isnan(high[1])


def test_intervals_cover_a_known_difference() -> None:
    # 40 independent data sets with a true main effect of 1: the 95% interval should contain it in
    # most (the stratified percentile bootstrap is slightly narrow with few replications).
    hits = 0
    for s in range(40):
        data, design = factorial(lambda v, rng: {"implemented": v["C4"] + rng.standard_normal(len(v["C4"]))},
                                 codes=("C1", "C4"), replications=25, seed=100 + s)
        c4 = main_effects(data, design, ["implemented"], n_boot=400, seed=s).set_index("code").loc["C4"]
        hits += c4["ci_low"] <= 1 <= c4["ci_high"]
    assert hits >= 34


def test_same_seed_same_intervals() -> None:
    data, design = factorial(only_c4, codes=("C1", "C4"), replications=5)
    first = main_effects(data, design, ["implemented"], n_boot=100, seed=9)
    pd.testing.assert_frame_equal(first, main_effects(data, design, ["implemented"], n_boot=100, seed=9))
    other = main_effects(data, design, ["implemented"], n_boot=100, seed=10)
    assert not np.allclose(first["ci_low"], other["ci_low"])
    assert np.allclose(first["estimate"], other["estimate"])


def test_rows_in_any_order_give_the_same_effects() -> None:
    data, design = factorial(only_c4, codes=("C1", "C4"), replications=5)
    shuffled = data.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(main_effects(data, design, n_boot=50), main_effects(shuffled, design, n_boot=50))


def test_default_outcomes_are_those_present() -> None:
    data, design = factorial(lambda v, rng: {"implemented": v["C1"], "cost_gbp": v["C2"], "other": v["C1"]},
                             codes=("C1", "C2"), replications=2)
    assert list(dict.fromkeys(main_effects(data, design, n_boot=10)["outcome"])) == ["implemented", "cost_gbp"]


def test_bad_input_raises_config_error() -> None:
    data, design = factorial(only_c4, codes=("C1", "C4"), replications=3)
    with pytest.raises(ConfigError, match="needs a factorial design"):
        main_effects(data, {**design, "design": "sobol"})
    with pytest.raises(ConfigError, match="unbalanced"):
        main_effects(data.iloc[1:], design)
    with pytest.raises(ConfigError, match="unbalanced"):
        main_effects(data, {**design, "replications": 4})
    three = [{**f, "levels": [0, 0.5, 1]} for f in design["factors"]]
    with pytest.raises(ConfigError, match="not two levels"):
        main_effects(data, {**design, "factors": three})
    with pytest.raises(ConfigError, match="not one of its levels"):
        main_effects(data.assign(remit_clarity=data["remit_clarity"] * 0.5), design)
    half = data[data["point"] < 2].assign(point=lambda d: d["point"])
    with pytest.raises(ConfigError, match="balanced two-level full factorial"):
        main_effects(half, {**design, "points": 2})
    with pytest.raises(ConfigError, match="no such column"):
        main_effects(data, design, ["no_such_outcome"])
    with pytest.raises(ConfigError, match="bootstrap"):
        main_effects(data, design, n_boot=0)
    with pytest.raises(ConfigError, match="seed"):
        main_effects(data, design, seed=-1)
    with pytest.raises(ConfigError, match="conf_level"):
        main_effects(data, design, conf_level=95)


@pytest.mark.parametrize("column", ["seed", "ensemble_draw", "ensemble_set"])
def test_a_design_column_is_refused_as_an_outcome(column: str) -> None:
    from qicsim.studies.analysis.design import select_outcomes

    data = pd.DataFrame({column: [0, 1, 2], "implemented": [1.0, 2.0, 3.0]})
    with pytest.raises(ConfigError, match="design column"):
        select_outcomes(data, [column])
    assert select_outcomes(data, ["implemented"]) == ["implemented"]
