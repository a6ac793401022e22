import numpy as np
import pytest

from qicsim.studies.paired import paired_effect


def test_identical_conditions_have_zero_effect() -> None:
    x = np.array([1.0, 3.0, 2.0, 5.0])
    eff = paired_effect(x, x.copy())
    assert eff.diff == 0 and eff.z == 0


def test_paired_effect_matches_hand_computation() -> None:
    a = np.array([1.0, 2.0, 3.0, 4.0])
    b = np.array([2.0, 2.5, 4.0, 6.0])
    d = b - a
    eff = paired_effect(a, b)
    assert eff.diff == pytest.approx(d.mean())
    assert eff.se == pytest.approx(d.std(ddof=1) / 2.0)
    lo, hi = eff.interval()
    assert lo < eff.diff < hi


def test_nan_pairs_are_dropped_and_bad_shapes_refused() -> None:
    eff = paired_effect(np.array([1.0, np.nan, 2.0, 4.0]), np.array([2.0, 5.0, np.nan, 6.0]))
    assert eff.n == 2
    with pytest.raises(ValueError):
        paired_effect(np.zeros(3), np.zeros(4))
