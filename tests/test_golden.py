"""Golden tables: a few seeded runs give exactly the committed tables, on every supported Python.

CI runs this on Python 3.12 (mesa 3.5) and 3.11 (mesa 3.3), so it also checks that both give
the same numbers. A change that moves results on purpose regenerates the golden file, with
the reason in the commit message::

    python tests/test_golden.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from pandas.testing import assert_frame_equal

import qicsim

GOLDEN = Path(__file__).resolve().parent / "golden" / "peach_runs.csv"
OVERRIDES = ["structure.homes_per_site=[4,4]"]
REPLICATIONS = 3
SEED = 20161


def golden_runs() -> pd.DataFrame:
    """The run outcomes of the golden runs (PEACH on two sites of four homes)."""
    runs = qicsim.run("peach", overrides=OVERRIDES, replications=REPLICATIONS, seed=SEED).runs
    return runs.reset_index(drop=True)


def test_runs_match_the_golden_table() -> None:
    expected = pd.read_csv(GOLDEN)
    actual = pd.read_csv(pd.io.common.StringIO(golden_runs().to_csv(index=False)))
    assert list(actual.columns) == list(expected.columns), "outcome columns changed; regenerate on purpose"
    assert_frame_equal(actual, expected, check_exact=False, rtol=1e-12, atol=1e-12)
    assert expected["implemented"].sum() > 0, "guard: the golden runs implement something"


if __name__ == "__main__":
    GOLDEN.parent.mkdir(parents=True, exist_ok=True)
    golden_runs().to_csv(GOLDEN, index=False)
    print(f"wrote {GOLDEN}", file=sys.stderr)
