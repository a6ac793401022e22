"""What an improvement in place prevents, by its topic (``structure.prevention = by_topic``; docs/ODD.md 7.10).

The default (``uniform``) is today's process 10 exactly: tests/test_golden.py holds it to the committed
runs. Here: the rate-ratio table and its product, the four kinds summing to the problems that arose,
pressure ulcers arising only by topic, and a topic's effect landing on its own kind.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import qicsim
from qicsim.model import QICModel
from qicsim.model.parameters import Parameters
from qicsim.model.prevention import KINDS, RATE_RATIOS, TOPIC_INDEX, rate_ratio_table, remaining_by_kind
from qicsim.run.runner import model_kwargs

SMALL = ["structure.homes_per_site=[5,5]"]
BY_TOPIC = ["structure.prevention=by_topic"]
SEED = 3


def kind_totals(result: qicsim.Results) -> pd.DataFrame:
    """Each replication's problems of each kind over the run."""
    weekly = result.mechanisms_weekly
    rows = weekly[weekly["mechanism"].isin([f"problems_arising_{k}" for k in KINDS])]
    return rows.pivot_table(index="replication", columns="mechanism", values="value", aggfunc="sum")


def test_the_table_holds_each_sourced_pair_and_ones_elsewhere() -> None:
    params = Parameters()
    table = rate_ratio_table(params)
    for (topic, kind), name in RATE_RATIOS.items():
        assert table[TOPIC_INDEX[topic], KINDS.index(kind)] == getattr(params, name) < 1.0
    assert np.count_nonzero(table != 1.0) == len(RATE_RATIOS)


def test_the_share_left_is_the_product_of_the_topics_in_place() -> None:
    params = Parameters(rate_ratio_falls_prevention_falls=0.5, rate_ratio_medication_review_falls=0.9)
    table = rate_ratio_table(params)
    falls = TOPIC_INDEX["falls_prevention"], TOPIC_INDEX["medication_review"], TOPIC_INDEX["oral_health"]
    left = remaining_by_kind(table, [falls[0], falls[0], falls[1], falls[2]])
    assert left[KINDS.index("falls")] == pytest.approx(0.5 * 0.5 * 0.9)
    assert left[KINDS.index("infections")] == left[KINDS.index("admissions")] == 1.0
    assert remaining_by_kind(table, []).tolist() == [1.0] * len(KINDS)


def test_topic_blind_runs_count_no_kinds_and_by_topic_runs_split_every_problem() -> None:
    uniform = qicsim.run("peach", overrides=SMALL, replications=2, seed=SEED)
    assert not uniform.mechanisms_weekly.loc[
        uniform.mechanisms_weekly["mechanism"].str.startswith("problems_arising_"), "value"].any()
    by_topic = qicsim.run("peach", overrides=[*SMALL, *BY_TOPIC], replications=2, seed=SEED)
    totals = kind_totals(by_topic)
    np.testing.assert_allclose(totals.sum(axis=1).to_numpy(), by_topic.runs["problems_arising"].to_numpy(),
                               rtol=1e-9)
    assert (totals > 0).all().all(), "every kind arises, pressure ulcers included"


def test_pressure_ulcers_add_their_rate_to_the_reference_inflow() -> None:
    """Before any improvement is in place, the inflow is the four rates' sum (the uniform stream's three)."""
    rates = {"falls_per_bed_year": 1.0, "infections_per_bed_year": 2.0, "avoidable_admissions_per_bed_year": 3.0,
             "pressure_ulcers_per_bed_year": 4.0}
    overrides = [*SMALL, *(f"parameters.{k}={v}" for k, v in rates.items())]
    uniform = QICModel(**model_kwargs(qicsim.scenario_config("peach", overrides)), seed=1).home_state
    by_topic = QICModel(**model_kwargs(qicsim.scenario_config("peach", [*overrides, *BY_TOPIC])), seed=1).home_state
    np.testing.assert_allclose(uniform.problem_inflow, uniform.beds * 6.0 / 52)
    np.testing.assert_allclose(by_topic.problem_inflow, by_topic.beds * 10.0 / 52)
    np.testing.assert_allclose(by_topic.kind_inflow[:, KINDS.index("pressure_ulcers")], by_topic.beds * 4.0 / 52)


@pytest.mark.parametrize(("setting", "topic", "kind"), [
    ("rate_ratio_falls_prevention_falls", "falls_prevention", "falls"),
    ("rate_ratio_nutrition_support_pressure_ulcers", "nutrition_support", "pressure_ulcers")])
def test_a_topics_effect_falls_on_its_own_kind(setting: str, topic: str, kind: str) -> None:
    """Halving a topic's rate ratio cuts its kind in each run where the topic was implemented, and only there.

    The runs share seeds (draws are keyed), so they are the same run until the first improvement of the topic
    is in place: one where it never is stays identical. From then on its kind arises more slowly; the other
    kinds move only through the load and the split of a changed total: by less than a tenth of the topic's own
    kind, in relative terms, on average over the paired runs (a table acting on the wrong kind or on none fails).
    """
    results = {ratio: qicsim.run("peach", overrides=[*BY_TOPIC, f"parameters.{setting}={ratio}"], replications=6,
                                 seed=SEED) for ratio in (1.0, 0.5)}
    runs = {ratio: kind_totals(result) for ratio, result in results.items()}
    projects = results[1.0].projects
    implemented = projects[(projects["topic"] == topic) & projects["week_implemented"].notna()]
    with_topic = runs[1.0].index.isin(implemented["replication"].unique())
    assert with_topic.any(), f"guard: no {topic} improvement in 6 runs"
    own = f"problems_arising_{kind}"
    cut = runs[1.0][own] - runs[0.5][own]
    assert (cut[with_topic] > 0).all(), f"{kind}: not fewer in every run with {topic}: {cut.tolist()}"
    pd.testing.assert_frame_equal(runs[1.0][~with_topic], runs[0.5][~with_topic])
    # Relative changes: each kind's |change| over its mean count, in the runs with the topic.
    before, after = runs[1.0][with_topic], runs[0.5][with_topic]
    relative = ((before - after).abs() / before).mean()
    others = relative.drop(own)
    assert (others < 0.1 * relative[own]).all(), f"other kinds moved {others.to_dict()} for {relative[own]:.4f}"


def test_an_unknown_prevention_is_refused_in_one_line() -> None:
    with pytest.raises(qicsim.ConfigError) as caught:
        qicsim.scenario_config("peach", ["structure.prevention=by_home"])
    message = str(caught.value)
    assert "structure.prevention" in message and "by_topic" in message and "\n" not in message
