"""The simulated CMO table (qicsim.studies.analysis.cmo) and removal effects (qicsim.studies.analysis.removal)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.analysis import factorial, one_at_a_time

from qicsim.errors import ConfigError
from qicsim.model.theory import BY_NAME
from qicsim.studies.analysis.cmo import cmo_markdown, cmo_table, verdict
from qicsim.studies.analysis.effects import main_effects
from qicsim.studies.analysis.removal import removal_effects

REPLICATIONS = 30


def blind_to(code: str, values: dict[str, np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Noise that is the same at both levels of ``code``: its difference is exactly 0, its interval straddles 0."""
    others = [c for c in ("C1", "C4", "C10") if c != code]
    replication = np.arange(len(values["C1"])) % REPLICATIONS
    table = rng.standard_normal((REPLICATIONS, 2, 2))
    return table[replication, values[others[0]].astype(int), values[others[1]].astype(int)]


def synthetic(values: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """C1's indicator rises with C1 (agrees), C4's falls with C4 (disagrees), C10's is noise."""
    n = len(values["C1"])
    noise = rng.standard_normal
    return {
        "mech_ideas_in_scope": 20 + 5 * values["C1"] + noise(n),
        "mech_qic_hours_members": 50 - 10 * values["C4"] + noise(n),
        "mech_decisions_on_data": 3 + blind_to("C10", values, rng),
        "implemented": 5 + 2 * values["C1"] + 0.1 * noise(n),
        "attendances": 100 + 0.1 * blind_to("C4", values, rng),
        "measured_share": 0.2 - 0.1 * values["C10"] + 0.01 * noise(n),
    }


@pytest.fixture(scope="module")
def table():
    data, design = factorial(synthetic, codes=("C1", "C4", "C10"), replications=REPLICATIONS)
    return data, design, cmo_table(data, design, n_boot=500, seed=1)


def row(table, code: str, measure: str):
    frame = table[(table["code"] == code) & (table["measure"] == measure)]
    assert len(frame) == 1, (code, measure)
    return frame.iloc[0]


def test_rows_follow_the_theory(table) -> None:
    cmo = table[2]
    assert list(dict.fromkeys(cmo["code"])) == ["C1", "C4", "C10"]
    for code, name in (("C1", "remit_clarity"), ("C4", "protected_time"), ("C10", "data_support")):
        theory = BY_NAME[name]
        part = cmo[cmo["code"] == code]
        assert list(part["measure"]) == [theory.indicator_column, *(o.measure for o in theory.outcomes)]
        assert list(part["role"]) == ["mechanism"] + ["outcome"] * len(theory.outcomes)
        assert (part["evidence_context"] == theory.context).all()
        assert (part["evidence_mechanism"] == theory.mechanism).all()
        assert (part["evidence_outcome"] == theory.outcome).all()


def test_verdicts(table) -> None:
    cmo = table[2]
    assert row(cmo, "C1", "mech_ideas_in_scope")["verdict"] == "agrees"
    assert row(cmo, "C1", "implemented")["verdict"] == "agrees"
    assert row(cmo, "C1", "iterated")["verdict"] == "not in data"
    assert row(cmo, "C4", "mech_qic_hours_members")["verdict"] == "disagrees"
    assert row(cmo, "C4", "attendances")["verdict"] == "no clear effect"
    assert row(cmo, "C10", "mech_decisions_on_data")["verdict"] == "no clear effect"
    assert row(cmo, "C10", "mech_decisions_on_data")["difference"] == pytest.approx(0, abs=1e-12)
    assert row(cmo, "C10", "measured_share")["verdict"] == "disagrees"


def test_difference_is_the_main_effect(table) -> None:
    data, design, cmo = table
    main = main_effects(data, design, ["mech_ideas_in_scope"], n_boot=500, seed=1).set_index("code").loc["C1"]
    c1 = row(cmo, "C1", "mech_ideas_in_scope")
    assert c1["difference"] == pytest.approx(main["estimate"])
    assert (c1["ci_low"], c1["ci_high"]) == pytest.approx((main["ci_low"], main["ci_high"]))
    assert c1["mean_present"] - c1["mean_absent"] == pytest.approx(c1["difference"])
    assert c1["difference"] == pytest.approx(5, abs=0.5)


def test_markdown(table) -> None:
    text = cmo_markdown(table[2])
    lines = text.splitlines()
    assert len(lines) == 2 + len(table[2])
    assert "a broad, easily understood remit" in text and "`mech_ideas_in_scope`" in text
    assert text.count("staff time protected and paid") == 1  # the context text on its first row only


def test_verdict_rule() -> None:
    assert verdict(+1, 0.1, 0.5) == "agrees"
    assert verdict(-1, -0.5, -0.1) == "agrees"
    assert verdict(+1, -0.5, -0.1) == "disagrees"
    assert verdict(+1, -0.1, 0.1) == "no clear effect"
    assert verdict(-1, 0.0, 0.3) == "no clear effect"
    assert verdict(+1, float("nan"), 1.0) == "not estimable"


def test_needs_contexts() -> None:
    data, design = factorial(synthetic, codes=("C1", "C4", "C10"), replications=REPLICATIONS)
    params = [{**f, "kind": "parameter"} for f in design["factors"]]
    with pytest.raises(ConfigError, match="no context factor"):
        cmo_table(data, {**design, "factors": params})


def test_removal_effects() -> None:
    truth = {"protected_time": -3.0, "remit_clarity": 0.5}
    data, design = one_at_a_time(truth, bases=("peach", "all_on"), replications=20, noise=0.2)
    table = removal_effects(data, design, ["implemented"], n_boot=500, seed=0)
    assert len(table) == 2 * 10 and list(dict.fromkeys(table["base"])) == ["peach", "all_on"]
    for r in table.itertuples():
        assert r.estimate == pytest.approx(r.removed_mean - r.baseline_mean)
        assert r.n == r.n_baseline == 20
        true = truth.get(r.removed, 0.0)
        if true:
            assert r.ci_low <= true <= r.ci_high or abs(r.estimate - true) < 0.2
            assert np.sign(r.ci_low) == np.sign(r.ci_high) == np.sign(true)
    c4 = table[(table["base"] == "peach") & (table["removed"] == "protected_time")].iloc[0]
    assert c4["code"] == "C4" and c4["estimate"] == pytest.approx(-3, abs=0.3)
    nulls = table[~table["removed"].isin(list(truth))]
    assert ((nulls["ci_low"] <= 0) & (nulls["ci_high"] >= 0)).mean() >= 0.8


def test_removal_needs_one_baseline_per_base() -> None:
    data, design = one_at_a_time({}, replications=2)
    data.loc[data["point"] == 0, "removed"] = "alignment"
    with pytest.raises(ConfigError, match="baseline"):
        removal_effects(data, design)
    with pytest.raises(ConfigError, match="needs a one_at_a_time design"):
        removal_effects(data, {**design, "design": "factorial"})
