"""Morris and Sobol indices through SALib (qicsim.studies.analysis.sensitivity).

Tolerances: Sobol indices of a function of C4 alone are 1 (C4) and 0 (others) exactly; the
estimates from N = 1024 base samples are checked to 0.1 (S1, ST of C4) and 0.05 (others'
ST). The Ishigami function's estimates (a = 7, b = 0.1, N = 2048 scrambled Sobol' base
samples) are checked against its analytical indices to 0.02 (S1, ST) and 0.03 (S2); over
seeds 0-4 the largest error seen was 0.007.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from helpers.analysis import NINE, sampled
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from qicsim.errors import ConfigError
from qicsim.studies.analysis.sensitivity import morris_indices, sobol_indices

PROBLEM = {"num_vars": 9, "names": list(NINE), "bounds": [[0.0, 1.0]] * 9}


def three_c4(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {"implemented": 3 * values["C4"]}


@pytest.fixture(scope="module")
def sobol_c4():
    x = sobol_sample.sample(PROBLEM, 1024, calc_second_order=False, seed=11)
    data, design = sampled("sobol", x, three_c4, sobol_second_order=False)
    return sobol_indices(data, design, ["implemented"], num_resamples=100, seed=1)


def test_sobol_of_a_function_of_c4(sobol_c4) -> None:
    table = sobol_c4.indices.set_index("code")
    assert list(table.index) == list(NINE)
    assert table.loc["C4", "ST"] == pytest.approx(1, abs=0.1)
    assert table.loc["C4", "S1"] == pytest.approx(1, abs=0.1)
    assert (table.drop(index="C4")["ST"].abs() < 0.05).all()
    assert (table[["S1_conf", "ST_conf"]] >= 0).all().all()
    assert sobol_c4.second_order.empty


def test_sobol_reproducible_with_seed_zero() -> None:
    x = sobol_sample.sample(PROBLEM, 64, calc_second_order=False, seed=3)
    data, design = sampled("sobol", x, lambda v, rng: {"implemented": v["C4"] + v["C1"] ** 2})
    first = sobol_indices(data, design, ["implemented"], num_resamples=50, seed=0).indices
    again = sobol_indices(data, design, ["implemented"], num_resamples=50, seed=0).indices
    assert first.equals(again)


def test_ishigami_against_analytical_indices() -> None:
    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = 8 * b ** 2 * math.pi ** 8 / 225
    total = v1 + v2 + v13
    expected_s1 = [v1 / total, v2 / total, 0.0]
    expected_st = [(v1 + v13) / total, v2 / total, v13 / total]
    factors = [{"name": f"x{i}", "code": f"x{i}", "kind": "parameter", "bounds": [-math.pi, math.pi],
                "levels": None, "integer": False} for i in (1, 2, 3)]
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sobol_sample.sample(problem, 2048, calc_second_order=True, seed=5)
    data, design = sampled("sobol", x, lambda v, rng: {"y": Ishigami.evaluate(np.column_stack(
        [v["x1"], v["x2"], v["x3"]]))}, factors=factors, sobol_second_order=True)
    result = sobol_indices(data, design, ["y"], num_resamples=100, seed=2)
    table = result.indices.set_index("factor")
    assert table["S1"].to_numpy() == pytest.approx(expected_s1, abs=0.02)
    assert table["ST"].to_numpy() == pytest.approx(expected_st, abs=0.02)
    second = result.second_order.set_index(["factor_a", "factor_b"])["S2"]
    assert second[("x1", "x3")] == pytest.approx(v13 / total, abs=0.03)
    assert abs(second[("x1", "x2")]) < 0.03 and abs(second[("x2", "x3")]) < 0.03


def test_morris_of_a_function_of_c4() -> None:
    x = morris_sample.sample(PROBLEM, 20, num_levels=4, seed=4)
    data, design = sampled("morris", x, three_c4, replications=2, morris_levels=4)
    table = morris_indices(data, design, ["implemented"], num_resamples=100, seed=0).set_index("code")
    assert table["mu_star"].idxmax() == "C4"
    assert table.loc["C4", "mu_star"] == pytest.approx(3)  # 3 per unit of the factor's range
    others = table.drop(index="C4")
    assert (others["mu_star"] == 0).all() and (others["sigma"] == 0).all()


def test_missing_values_give_nan_indices() -> None:
    x = morris_sample.sample(PROBLEM, 4, num_levels=4, seed=4)
    data, design = sampled("morris", x, three_c4, morris_levels=4)
    data.loc[3, "implemented"] = np.nan
    assert morris_indices(data, design, ["implemented"], num_resamples=10)["mu_star"].isna().all()


def test_design_checks() -> None:
    x = sobol_sample.sample(PROBLEM, 8, calc_second_order=False, seed=1)
    data, design = sampled("sobol", x, three_c4)
    with pytest.raises(ConfigError, match="needs a morris design"):
        morris_indices(data, design)
    with pytest.raises(ConfigError, match="not a multiple"):
        sobol_indices(data.iloc[:-1], {**design, "points": len(x) - 1})
    with pytest.raises(ConfigError, match="not a multiple"):
        sobol_indices(data, {**design, "settings": {"sobol_second_order": True}})
