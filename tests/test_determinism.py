"""Determinism: one master seed gives the same tables, in one process, across processes and
however the replications are split; different seeds give different tables."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import qicsim
from qicsim.run.runner import Results, model_kwargs, run_replication, simulate

TABLES = Results.TABLES
KEY_COLUMNS = ["replication", "seed"]


def assert_same_tables(a: Results, b: Results) -> None:
    for name in TABLES:
        assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True, obj=name)


def assert_not_trivial(results: Results, replications: int) -> None:
    """Guard: the tables hold the replications and something happened in them."""
    assert len(results.runs) == replications
    for name in TABLES:
        assert len(getattr(results, name)) > 0, name
    assert results.runs["projects_started"].sum() > 0
    assert results.runs["pdsa_cycles"].sum() > 0


def test_same_seed_same_tables_in_one_process(small_overrides: list[str]) -> None:
    first = qicsim.run("peach", overrides=small_overrides, replications=3, seed=11)
    second = qicsim.run("peach", overrides=small_overrides, replications=3, seed=11)
    assert_not_trivial(first, 3)
    assert_same_tables(first, second)


def test_global_random_state_does_not_matter(small_overrides: list[str]) -> None:
    """The model draws only from its own generator, never from numpy's or Python's global one."""
    np.random.seed(1)
    random.seed(1)
    first = qicsim.run("peach", overrides=small_overrides, replications=2, seed=5)
    np.random.seed(999)
    random.seed(999)
    np.random.random(17)
    second = qicsim.run("peach", overrides=small_overrides, replications=2, seed=5)
    assert_same_tables(first, second)


SUBPROCESS_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import qicsim
    out = Path(sys.argv[1])
    results = qicsim.run("peach", overrides={overrides!r}, replications=3, seed=11)
    for name in results.TABLES:
        getattr(results, name).to_csv(out / f"{{name}}.csv", index=False)
""")


@pytest.mark.slow  # a child process
def test_same_seed_same_tables_in_another_process(tmp_path: Path, small_overrides: list[str]) -> None:
    script = SUBPROCESS_SCRIPT.format(overrides=small_overrides)
    # A different hash seed in the child: set or dict iteration order must not matter.
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True,
                          env=env, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr
    here = qicsim.run("peach", overrides=small_overrides, replications=3, seed=11)
    assert_not_trivial(here, 3)
    for name in TABLES:
        theirs = (tmp_path / f"{name}.csv").read_text()
        ours = getattr(here, name).to_csv(index=False)
        assert theirs == ours, f"{name}.csv differs between processes"
        assert_frame_equal(pd.read_csv(io.StringIO(theirs)), pd.read_csv(io.StringIO(ours)),
                           check_exact=True, obj=name)


def test_different_seeds_give_different_tables(small_overrides: list[str]) -> None:
    a = qicsim.run("peach", overrides=small_overrides, replications=2, seed=11)
    b = qicsim.run("peach", overrides=small_overrides, replications=2, seed=12)
    assert set(a.runs["seed"]).isdisjoint(b.runs["seed"])
    for name in TABLES:
        ta = getattr(a, name).drop(columns=KEY_COLUMNS)
        tb = getattr(b, name).drop(columns=KEY_COLUMNS)
        assert not ta.equals(tb), f"{name} is the same for master seeds 11 and 12"


def test_replication_seed_depends_only_on_master_seed_and_index() -> None:
    seeds = [qicsim.replication_seed(7, i) for i in range(50)]
    assert len(set(seeds)) == 50
    assert all(isinstance(s, int) and 0 <= s < 2**63 for s in seeds)
    assert seeds == [qicsim.replication_seed(7, i) for i in range(50)]
    assert seeds[:10] != [qicsim.replication_seed(8, i) for i in range(10)]


def test_seeds_and_tables_do_not_depend_on_number_of_replications(small_overrides: list[str]) -> None:
    two = qicsim.run("peach", overrides=small_overrides, replications=2, seed=21)
    four = qicsim.run("peach", overrides=small_overrides, replications=4, seed=21)
    assert list(four.runs["seed"]) == [qicsim.replication_seed(21, i) for i in range(4)]
    assert list(two.runs["seed"]) == list(four.runs["seed"][:2])
    for name in TABLES:
        head = getattr(four, name)
        head = head[head["replication"] < 2].reset_index(drop=True)
        assert_frame_equal(getattr(two, name), head, check_exact=True, obj=name)


def _tables_of(replications: list[int], master: int, kwargs: dict) -> dict[str, list[pd.DataFrame]]:
    out: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for i in replications:
        for name, table in run_replication(i, qicsim.replication_seed(master, i), kwargs).items():
            out[name].append(table)
    return out


def _assert_split_equals_serial(serial: Results, parts: list[dict[str, list[pd.DataFrame]]]) -> None:
    for name in TABLES:
        frames = [frame for part in parts for frame in part[name]]
        combined = pd.concat(frames, ignore_index=True).sort_values(["replication"], kind="stable")
        assert_frame_equal(getattr(serial, name), combined.reset_index(drop=True), check_exact=True, obj=name)


def test_two_halves_equal_one_serial_run(small_overrides: list[str]) -> None:
    config = qicsim.scenario_config("peach", overrides=small_overrides, replications=4, seed=31)
    serial = simulate(config)
    assert_not_trivial(serial, 4)
    kwargs = model_kwargs(config)
    # The second half first: no state may carry over from one replication to the next.
    second = _tables_of([2, 3], 31, kwargs)
    first = _tables_of([0, 1], 31, kwargs)
    _assert_split_equals_serial(serial, [first, second])


def test_parallel_halves_equal_one_serial_run(small_overrides: list[str]) -> None:
    config = qicsim.scenario_config("peach", overrides=small_overrides, replications=4, seed=41)
    serial = simulate(config)
    kwargs = model_kwargs(config)
    with ProcessPoolExecutor(max_workers=2, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_tables_of, half, 41, kwargs) for half in ([0, 1], [2, 3])]
        parts = [f.result(timeout=180) for f in futures]
    _assert_split_equals_serial(serial, parts)


def test_stepping_equals_run() -> None:
    """Stepping week by week and ``run()`` follow the same random stream."""
    kwargs = model_kwargs(qicsim.scenario_config("peach", overrides=["structure.homes_per_site=[2,3]"]))
    stepped = qicsim.QICModel(seed=3, **kwargs)
    for _ in range(60):
        stepped.step()
    stepped.run()
    whole = qicsim.QICModel(seed=3, **kwargs).run()
    assert stepped.week == whole.week == whole.total_weeks
    np.testing.assert_array_equal(stepped.series.values, whole.series.values)
    np.testing.assert_array_equal(stepped.counts.values, whole.counts.values)
    assert [p.history for p in stepped.projects] == [p.history for p in whole.projects]
