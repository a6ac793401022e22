"""Keyed draws (qicsim.model.draws): NumPy's Philox at each draw's address, and the transforms of uniforms."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pandas as pd
import pytest

from qicsim.model import QICModel
from qicsim.model.draws import Draw, KeyedDraws, normal, pick, poisson, smallest
from qicsim.model.outcomes import outcome_rows


def runs_table(models: list[QICModel]) -> pd.DataFrame:
    """The run outcomes of finished models (a table: NaN compares equal to NaN)."""
    return pd.DataFrame([outcome_rows(model)[0] for model in models])


SMALL = {"homes_per_site": [3, 3], "collaborative_weeks": 30, "follow_up_weeks": 10, "learning_event_weeks": [0, 15]}


def philox_at(draws: KeyedDraws, draw: Draw, week: int, entity: int, n: int) -> np.ndarray:
    """NumPy's own Philox generator, started at the address through its public constructor."""
    bits = np.random.Philox(key=draws.key, counter=np.array([0, entity, week, draw], dtype=np.uint64))
    return np.random.Generator(bits).random(n)


@pytest.mark.parametrize("seed", [0, 1, 2**62 + 5])
def test_uniforms_are_numpys_philox_at_the_address(seed: int) -> None:
    draws = KeyedDraws(seed)
    for draw, week, entity, n in [(Draw.PROJECT_WEEK, 0, 0, 7), (Draw.SPREAD, 129, 3, 300), (Draw.PLANNING, 5, 41, 8)]:
        np.testing.assert_array_equal(draws.uniforms(draw, week, entity, n), philox_at(draws, draw, week, entity, n))
        assert draws.uniform(draw, week, entity) == philox_at(draws, draw, week, entity, 1)[0]


def test_a_position_is_the_same_whatever_else_is_drawn() -> None:
    draws = KeyedDraws(11)
    long = draws.uniforms(Draw.TURNOVER_LEAVE, 7, 0, 224)
    draws.uniforms(Draw.TIME_HONOURED, 7, 0, 50)  # another address in between
    np.testing.assert_array_equal(draws.uniforms(Draw.TURNOVER_LEAVE, 7, 0, 5), long[:5])
    assert draws.uniforms(Draw.TURNOVER_LEAVE, 8, 0, 1)[0] != long[0]  # another week, another number
    assert draws.uniforms(Draw.TURNOVER_LEAVE, 7, 1, 1)[0] != long[0]  # another entity
    assert draws.uniforms(Draw.TIME_HONOURED, 7, 0, 1)[0] != long[0]  # another stream


def test_the_in_place_counter_moves_the_generator_as_the_public_state_does() -> None:
    fast = KeyedDraws(5)
    assert fast._buffer_pos is not None, "the in-place route was not taken on this NumPy"
    slow = copy.copy(fast)
    slow._counter, slow._buffer_pos = slow._state["state"]["counter"], None  # through Philox.state
    for week in (0, 3, 3, 77):
        np.testing.assert_array_equal(fast.uniforms(Draw.MEETING_ATTEND, week, 2, 9),
                                      slow.uniforms(Draw.MEETING_ATTEND, week, 2, 9))


def test_draws_pickle_and_copy_as_their_key() -> None:
    draws = KeyedDraws(3)
    for twin in (pickle.loads(pickle.dumps(draws)), copy.deepcopy(draws)):
        np.testing.assert_array_equal(twin.key, draws.key)
        np.testing.assert_array_equal(twin.uniforms(Draw.SUSTAIN, 4, 0, 6), draws.uniforms(Draw.SUSTAIN, 4, 0, 6))


def test_set_up_draws_its_own_sequence() -> None:
    draws = KeyedDraws(9)
    first, again = draws.sequence(Draw.SETUP), draws.sequence(Draw.SETUP)
    np.testing.assert_array_equal(first.random(4), again.random(4))
    np.testing.assert_array_equal(first.random(3), philox_at(draws, Draw.SETUP, 0, 0, 7)[4:])


def test_poisson_by_inversion_has_the_poisson_law() -> None:
    """Mean and variance within 4 standard errors over 400,000 draws, and the exact cut points."""
    u = np.random.default_rng(1).random(400_000)
    for mean in (0.05, 0.7, 3.0):
        k = poisson(u, mean)
        assert abs(k.mean() - mean) < 4 * np.sqrt(mean / len(u))
        assert abs(k.var() - mean) < 4 * mean * np.sqrt(2.0 / len(u)) + 4 * np.sqrt(mean / len(u))
    cut = np.exp(-0.7)  # P(K = 0)
    np.testing.assert_array_equal(poisson(np.array([cut - 1e-12, cut + 1e-12, 0.0]), 0.7), [0, 1, 0])
    np.testing.assert_array_equal(poisson(np.array([0.5, 0.9]), np.array([0.0, 0.0])), [0, 0])


def test_normals_from_pairs_of_uniforms() -> None:
    rng = np.random.default_rng(2)
    z = normal(rng.random(200_000), rng.random(200_000))
    assert abs(z.mean()) < 4 / np.sqrt(len(z)) and abs(z.std() - 1.0) < 4 / np.sqrt(2 * len(z))
    assert abs(np.mean(z < -1.6448536) - 0.05) < 4 * np.sqrt(0.05 * 0.95 / len(z))


def test_picks_and_choices() -> None:
    assert [pick(u, 4) for u in (0.0, 0.2499, 0.25, 0.9999)] == [0, 0, 1, 3]
    chosen = smallest(np.array([0.9, 0.1, 0.5, 0.3]), 2)
    assert chosen.tolist() == [1, 3]


def test_a_run_depends_on_its_seed_alone_whatever_runs_beside_it() -> None:
    """Two runs stepped in lockstep, week by week, give what each gives alone (draws are keyed)."""
    alone = runs_table([QICModel(seed=seed, **SMALL).run() for seed in (4, 5)])
    pair = [QICModel(seed=seed, **SMALL) for seed in (4, 5)]
    while any(model.running for model in pair):
        for model in pair:
            if model.running:
                model.step()
    pd.testing.assert_frame_equal(runs_table(pair), alone)
