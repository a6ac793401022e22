"""Probabilistic sensitivity analysis (qicsim.studies.policy.psa): known answers, reproducibility, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers.ensembles import two_structures, write_two_structures

from qicsim.errors import ConfigError
from qicsim.studies.policy import psa
from qicsim.studies.policy.costs import PERSPECTIVES, load_costs
from qicsim.studies.policy.outcomes import load_outcomes


@pytest.fixture(scope="module")
def costs():
    return load_costs()


@pytest.fixture(scope="module")
def outcomes(costs):
    return load_outcomes("default", costs)


@pytest.fixture(scope="module")
def settings():
    return psa.load_settings()


def test_evpi_is_never_negative() -> None:
    rng = np.random.default_rng(1)
    for _ in range(50):
        assert psa.evpi(rng.normal(size=(rng.integers(1, 40), rng.integers(1, 5)))) >= 0


def test_evpi_is_zero_without_uncertainty() -> None:
    nb = np.tile([3.0, 7.0, -1.0], (25, 1))  # every draw the same: nothing to learn
    assert psa.evpi(nb) == 0.0


def test_evpi_equals_the_hand_computed_value_of_two_options() -> None:
    # Draw 1: A 10, B 0; draw 2: A 0, B 20. E[max] = (10 + 20) / 2 = 15; max E = max(5, 10) = 10; EVPI = 5.
    assert psa.evpi(np.array([[10.0, 0.0], [0.0, 20.0]])) == pytest.approx(5.0)


def test_evppi_of_the_group_with_all_uncertainty_approaches_evpi_and_of_an_irrelevant_group_zero() -> None:
    rng = np.random.default_rng(7)
    n = 4000
    x, z = rng.uniform(size=n), rng.uniform(size=n)
    nb = np.column_stack([np.zeros(n), 100 * (x - 0.5) ** 3 * 8])  # nonlinear in x: the GAM has work to do
    total = psa.evpi(nb)
    # Analytic EVPI: E[max(0, 800 u^3)], u uniform on (-0.5, 0.5), = 800 * 0.5^4 / 4 = 12.5 (max of means 0).
    assert total == pytest.approx(12.5, rel=0.1)
    relevant, method = psa.evppi(nb, x[:, None])
    assert method.startswith("GAM")
    assert relevant == pytest.approx(total, rel=0.05)  # stated tolerance: 5% of the EVPI
    irrelevant, _ = psa.evppi(nb, z[:, None])
    assert irrelevant < 0.05 * total  # stated tolerance: the fit's noise, under 5% of the EVPI


def test_evppi_of_part_of_the_uncertainty_is_that_part() -> None:
    rng = np.random.default_rng(8)
    n = 4000
    x, noise = rng.uniform(size=n), rng.normal(0, 30, size=n)
    nb = np.column_stack([np.zeros(n), 100 * (x - 0.5) + noise])
    part, _ = psa.evppi(nb, x[:, None])
    # Knowing x: E[max(0, 100 (x - 0.5))] = 12.5; the noise (run-to-run chance) stays unknown.
    assert part == pytest.approx(12.5, rel=0.1)
    assert part < psa.evpi(nb)


def long_table(nb_by_option: dict[str, np.ndarray]) -> pd.DataFrame:
    """A draws table whose net benefit at any wtp is ``wtp * qalys - cost`` with the given cost and QALYs."""
    frames = []
    for option, (cost, qalys) in nb_by_option.items():
        frame = pd.DataFrame({"option": option, "draw": np.arange(len(cost)), "qalys_lost": -qalys})
        for perspective in PERSPECTIVES:
            frame[f"cost_{perspective}_gbp"] = cost
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def test_ceac_sums_to_one_over_options_at_each_wtp_and_the_frontier_has_the_best_expected_net_benefit() -> None:
    rng = np.random.default_rng(3)
    n = 200
    table = long_table({"a": (np.zeros(n), np.zeros(n)),
                        "b": (rng.normal(1000, 300, n), rng.normal(0.05, 0.03, n)),
                        "c": (rng.normal(3000, 300, n), rng.normal(0.08, 0.05, n))})
    curves = psa.acceptability(table, np.linspace(0, 100_000, 11))
    sums = curves.groupby(["perspective", "wtp"])["probability"].sum()
    assert np.allclose(sums, 1.0)
    best = curves.loc[curves.groupby(["perspective", "wtp"])["expected_nmb"].idxmax()]
    assert best["on_frontier"].all()
    assert curves.groupby(["perspective", "wtp"])["on_frontier"].sum().eq(1).all()
    low = curves[(curves.wtp == 0) & (curves.perspective == "nhs_pss")].set_index("option")
    assert low.loc["a", "on_frontier"]  # costs nothing: best when health is worth nothing


def test_population_factor_counts_home_years_and_discounts_them() -> None:
    assert psa.population_factor(30, 104, 30, 2, 0.0) == pytest.approx(1.0)
    assert psa.population_factor(30, 52, 60, 1, 0.035) == pytest.approx(2.0)
    assert psa.population_factor(30, 52, 30, 2, 0.035) == pytest.approx(1 + 1 / 1.035)


def test_draws_are_reproducible_by_seed_and_follow_their_distributions(costs, outcomes, settings) -> None:
    inputs = psa.psa_inputs(costs, outcomes, settings)
    a, b = psa.draw_inputs(inputs, 3000, 11), psa.draw_inputs(inputs, 3000, 11)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(psa.draw_inputs(inputs, 3000, 12))
    for i in inputs:
        if i.distribution == "fixed":
            assert (a[i.name] == i.mean).all()
        else:  # mean and sd within 4 standard errors of the stated ones
            assert abs(a[i.name].mean() - i.mean) < 4 * i.sd / np.sqrt(3000), i.name
            assert a[i.name].std() == pytest.approx(i.sd, rel=0.1), i.name
        if i.distribution == "beta":
            assert a[i.name].between(0, 1).all()


def test_every_drawn_input_has_a_label_and_sourced_inputs_are_tighter(costs, outcomes, settings) -> None:
    inputs = {i.name: i for i in psa.psa_inputs(costs, outcomes, settings)}
    assert all(i.label for i in inputs.values())
    # The geriatrician's cost is labelled an assumption in the cost file; a band 6 nurse's is sourced.
    assert inputs["hourly_cost_gbp.geriatrician"].sd / inputs["hourly_cost_gbp.geriatrician"].mean == pytest.approx(
        settings.cv_assumption)
    assert inputs["hourly_cost_gbp.community_nurse"].sd / inputs["hourly_cost_gbp.community_nurse"].mean == \
        pytest.approx(settings.cv_sourced)
    assert inputs["events.falls.disutility"].distribution == "beta"
    assert inputs["events.falls.disutility"].sd == settings.inputs["events.falls.disutility"]["sd"]


@pytest.mark.parametrize("bad", [0, -3, 2.5, True, "ten"])
def test_too_few_draws_is_a_one_line_error_naming_the_setting(bad) -> None:
    with pytest.raises(ConfigError, match="--psa") as error:
        psa.check_draws(bad)
    assert "\n" not in str(error.value)


def raw_settings() -> dict:
    import yaml

    from qicsim.config.loader import config_dir

    return yaml.safe_load((config_dir() / "psa" / "default.yaml").read_text())


@pytest.mark.parametrize(("change", "named"), [
    (lambda r: r["inputs"].__setitem__("backfill_factor", {"distribution": "weibull", "cv": 0.2, "source": "x"}),
     "inputs.backfill_factor.distribution"),
    (lambda r: r.__setitem__("cost_distribution", "normal"), "cost_distribution"),
    (lambda r: r.__setitem__("draws", 0), "draws"),
    (lambda r: r["spread"]["sourced"].__setitem__("value", -1), "spread.sourced"),
    (lambda r: r["inputs"]["backfill_factor"].pop("source"), "inputs.backfill_factor.source"),
    (lambda r: r.__setitem__("extra", 1), "extra"),
])
def test_bad_settings_are_a_one_line_error_naming_the_field(change, named) -> None:
    raw = raw_settings()
    change(raw)
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")) as error:
        psa.parse_settings(raw, "psa.yaml")
    assert "\n" not in str(error.value)


def test_an_unknown_input_or_a_beta_too_wide_names_the_input(costs, outcomes) -> None:
    raw = raw_settings()
    raw["inputs"]["no_such_cost"] = {"distribution": "gamma", "cv": 0.1, "source": "x"}
    with pytest.raises(ConfigError, match=r"inputs\.no_such_cost"):
        psa.psa_inputs(costs, outcomes, psa.parse_settings(raw))
    raw = raw_settings()
    raw["inputs"]["events.falls.disutility"]["sd"] = 0.5
    with pytest.raises(ConfigError, match=r"events\.falls\.disutility"):
        psa.psa_inputs(costs, outcomes, psa.parse_settings(raw))


@pytest.fixture(scope="module")
def small(costs, outcomes, settings):
    """A small case's PSA, run twice on the same seed, and the same draws priced by the comparison's own code."""
    from qicsim.studies.policy.appraisal import Case
    from qicsim.studies.policy.options import load_option

    case = Case(homes=6, weeks=12, replications=6, seed=5, ensemble="peach")
    options = [load_option("baseline"), load_option("full")]
    first = psa.run_psa(options, case, costs, outcomes, settings, n=6)
    second = psa.run_psa(options, case, costs, outcomes, settings, n=6)
    return case, options, first, second


def test_the_psa_is_reproducible_by_seed(small) -> None:
    _, _, first, second = small
    pd.testing.assert_frame_equal(first.draws, second.draws)
    pd.testing.assert_frame_equal(first.evppi, second.evppi)
    assert first.draws["ensemble_draw"].notna().all()
    # Common random numbers: draw d of every option is the same replication seed and ensemble set.
    by_option = first.draws.pivot(index="draw", columns="option", values="seed")
    assert (by_option.nunique(axis=1) == 1).all()


def test_repricing_at_the_point_values_gives_the_comparisons_own_costs(small, costs, outcomes, settings) -> None:
    from qicsim.studies.policy.appraisal import run_option

    case, options, _, _ = small
    runs = psa.run_options(options, case, case.replications)
    priced = psa.prepare(runs, costs)
    inputs = psa.psa_inputs(costs, outcomes, settings)
    means = pd.DataFrame({i.name: np.full(case.replications, i.mean) for i in inputs})
    table = psa.reprice(priced, means, costs, outcomes)
    for option in options:
        direct, _ = run_option(option, case, costs, outcomes)
        mine = table[table["option"] == option.name].reset_index(drop=True)
        for column in ("funder_gbp", *(f"cost_{p}_gbp" for p in PERSPECTIVES), "qalys_lost", "events_gbp",
                       "sustained"):
            np.testing.assert_allclose(mine[column], direct[column], rtol=1e-12, atol=1e-6, err_msg=column)


def test_the_evppi_table_gives_a_noise_floor_below_the_evppi_of_a_group_that_matters() -> None:
    rng = np.random.default_rng(9)
    n = 400
    x = rng.uniform(size=n)
    cost = np.column_stack([np.zeros(n), 1000 * (x - 0.5) + rng.normal(0, 200, n)])
    table = long_table({"a": (cost[:, 0], np.zeros(n)), "b": (cost[:, 1], np.zeros(n))})
    out = psa.evppi_table(table, {"x": x[:, None]}, (20000.0,), 2.0, "a", seed=1)
    row = out.iloc[0]
    assert row["evppi_population_gbp"] == pytest.approx(2 * row["evppi_per_decision_gbp"])
    assert 0 <= row["noise_floor_gbp"] < 0.2 * row["evppi_per_decision_gbp"]
    assert row["share_of_evpi"] <= 1


def test_the_tornado_ranks_inputs_by_swing_and_keeps_the_top_five(small) -> None:
    _, _, first, _ = small
    spots = first.tornado
    assert spots["swing"].is_monotonic_decreasing
    assert spots["top"].sum() == psa.TOP
    assert (spots["low_value"] <= spots["high_value"]).all()
    assert first.tornado_option != first.about["reference"]


def run_cli(argv: list[str], capsys) -> tuple[int, str]:
    from qicsim.apps.cli.compare import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    return int(stop.value.code), capsys.readouterr().err


@pytest.mark.parametrize(("argv", "named"), [
    (["--psa", "0"], "--psa"),
    (["--psa", "-2"], "--psa"),
    (["--psa", "5", "--psa-settings", "no_such_settings"], "--psa-settings"),
])
def test_bad_psa_flags_are_one_line_exit_2_and_nothing_written(argv, named, tmp_path, capsys) -> None:
    code, err = run_cli([*argv, "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and named in err
    assert not (tmp_path / "out").exists()


def test_an_unknown_distribution_in_a_settings_file_is_one_line_naming_it(tmp_path, capsys) -> None:
    import yaml

    raw = raw_settings()
    raw["inputs"]["backfill_factor"]["distribution"] = "triangular"
    path = tmp_path / "psa.yaml"
    path.write_text(yaml.safe_dump(raw))
    code, err = run_cli(["--psa", "5", "--psa-settings", str(path), "--out", str(tmp_path / "out")], capsys)
    assert code == 2
    assert err.strip().count("\n") == 0 and "inputs.backfill_factor.distribution" in err and "triangular" in err
    assert not (tmp_path / "out").exists()


def test_compare_with_psa_writes_its_tables_figures_and_report_section(tmp_path) -> None:
    import json

    from qicsim.apps.cli.compare import main
    from qicsim.studies.policy.glossary import SECTIONS

    out = tmp_path / "cmp"
    main(["--options", "baseline", "coaching", "--homes", "4", "--weeks", "12", "--replications", "2",
          "--seed", "3", "--psa", "5", "--out", str(out)])
    for name in (*psa.FILES, *psa.FIGURES):
        assert (out / name).stat().st_size > 0, name
    draws = pd.read_csv(out / "psa.csv")
    assert sorted(draws["draw"].unique()) == list(range(5))
    assert set(draws["option"]) == {"baseline", "coaching"}
    curves = pd.read_csv(out / "ceac.csv")
    assert np.allclose(curves.groupby(["perspective", "wtp"])["probability"].sum(), 1.0)
    assert (pd.read_csv(out / "evpi.csv")["evpi_per_decision_gbp"] >= 0).all()
    assert json.loads((out / "provenance.json").read_text())["psa"]["draws"] == 5
    report = (out / "report.md").read_text()
    # The section once, before the assumptions; the same in the page.
    assert report.count(f"## {psa.HEADING}") == 1
    assert report.index(psa.HEADING) < report.index(SECTIONS["assumptions"])
    page = (out / "report.html").read_text()
    assert page.count('<section id="psa">') == 1 and "ceac.png" in page and "tornado.png" in page
    sheets = pd.read_excel(out / "report.xlsx", sheet_name=None)
    assert {"options", "incremental", *psa.SHEETS} <= set(sheets)
    for sheet, name in psa.SHEETS.items():  # the sheet agrees with its file (numbers to 1e-10)
        table, book = pd.read_csv(out / name), sheets[sheet]
        for column in table.select_dtypes("number").columns:
            np.testing.assert_allclose(book[column], table[column], rtol=1e-10, err_msg=f"{sheet}.{column}")


def test_compare_without_psa_writes_no_psa_files(tmp_path) -> None:
    from qicsim.apps.cli.compare import main

    out = tmp_path / "cmp"
    main(["--options", "baseline", "coaching", "--homes", "4", "--weeks", "12", "--replications", "2",
          "--out", str(out)])
    assert not any((out / name).exists() for name in (*psa.FILES, *psa.FIGURES))
    assert psa.HEADING not in (out / "report.md").read_text()


def test_a_model_averaged_ensemble_draws_structures_and_the_report_names_each_ones_best(
        costs, outcomes, settings, small, tmp_path) -> None:
    from qicsim.studies.policy.appraisal import Case
    from qicsim.studies.policy.options import load_option

    rows = two_structures()
    ensemble = write_two_structures(tmp_path)
    case = Case(homes=6, weeks=12, replications=6, seed=5, ensemble=str(ensemble))
    result = psa.run_psa([load_option("baseline"), load_option("full")], case, costs, outcomes, settings, n=8)
    draws = result.draws
    assert set(draws["structure"]) == {"peach_2026", "candidate_2027"}
    assert (draws.groupby("draw")["structure"].nunique() == 1).all()  # one structure per draw, every option
    assert draws["structure"].tolist() == [rows[r]["structure"] for r in draws["ensemble_draw"]]
    draws.to_csv(tmp_path / "psa.csv", index=False)
    sentence = psa.structure_sentence(tmp_path, 20000.0)
    assert sentence.startswith("Each draw also drew one of the model's rival structures")
    assert "under candidate_2027" in sentence and "under peach_2026" in sentence
    assert sentence.endswith(("agree.", "disagree, so which structure is right matters to this decision."))
    small[2].draws.to_csv(tmp_path / "psa.csv", index=False)  # the peach ensemble: one structure
    assert "is not included" in psa.structure_sentence(tmp_path, 20000.0)
