"""Seeds, a replication's tables, and a configured scenario's replications gathered in memory.

Per-replication seeds derive from one master seed with NumPy's ``SeedSequence``: the seed
of replication ``i`` depends only on the master seed and ``i``, so any split of the
replications across processes gives the same tables as a serial run. The replications run
through :mod:`qicsim.run.evaluator`; the tables come back as :class:`qicsim.run.results.Results`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from qicsim.config.ensemble import NO_DRAW, maybe_load
from qicsim.config.schema import Config, contexts_as_plain
from qicsim.model import QICModel
from qicsim.model.contexts import site_names
from qicsim.model.counters import COUNT_NAMES
from qicsim.model.outcomes import PROJECT_COLUMNS, outcome_rows, project_rows
from qicsim.model.series import SERIES_NAMES
from qicsim.run.evaluator import BATCH_SIZE, Replication, evaluate, replications
from qicsim.run.progress import progress_bar
from qicsim.run.results import TABLES, Results

# Mesa logs every step at INFO; nothing of ours needs it. A level set before this import (the
# command's Hydra logging config, which the job now loads ahead of the runner) is kept.
_MESA_LOG = logging.getLogger("MESA")
if _MESA_LOG.level == logging.NOTSET:
    _MESA_LOG.setLevel(logging.WARNING)


def derived_seed(master_seed: int, *key: int) -> int:
    """A 63-bit seed that depends only on the master seed and a spawn key.

    Args:
        master_seed: The master seed.
        key: The spawn key, e.g. ``(replication,)`` or ``(point, replication)``.

    Returns:
        The derived seed.
    """
    state = np.random.SeedSequence(master_seed, spawn_key=key).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))


def replication_seed(master_seed: int, replication: int) -> int:
    """Seed of one replication, derived from the master seed.

    Args:
        master_seed: The run's master seed.
        replication: Replication index, 0-based.

    Returns:
        A 63-bit integer seed.
    """
    return derived_seed(master_seed, replication)


def point_seed(master_seed: int, point: int, replication: int) -> int:
    """Seed of one replication of one design point in a sweep, derived from the master seed.

    Args:
        master_seed: The sweep's master seed.
        point: Design point index, 0-based.
        replication: Replication index within the point, 0-based.

    Returns:
        A 63-bit integer seed that depends only on the three arguments.
    """
    return derived_seed(master_seed, point, replication)


def model_kwargs(config: Config) -> dict[str, Any]:
    """The plain keyword arguments :class:`QICModel` takes, from a validated config."""
    return {"contexts": contexts_as_plain(config.contexts), **asdict(config.structure),
            **asdict(config.parameters)}


def run_replication(replication: int, seed: int, kwargs: dict[str, Any],
                    ensemble_draw: int = NO_DRAW) -> dict[str, pd.DataFrame]:
    """Run one replication and return its tables (:func:`replication_tables`).

    Args:
        replication: Replication index.
        seed: Its seed.
        kwargs: Model keyword arguments from :func:`model_kwargs` (with the ensemble's draw applied).
        ensemble_draw: The ensemble row its parameters came from (``NO_DRAW``: none).

    Returns:
        Tables keyed as :attr:`Results.TABLES`.
    """
    return next(evaluate([Replication(seed, kwargs, replication, ensemble_draw)], replication_tables))


def replication_tables(model: QICModel, replication: Replication) -> dict[str, pd.DataFrame]:
    """A finished replication's tables (the evaluator's hook of a run; never the model, which is heavy).

    Args:
        model: The finished model.
        replication: Its replication; without an ensemble draw (``NO_DRAW``) the runs table has
            no ``ensemble_draw`` column, as before ensembles existed.

    Returns:
        Tables keyed ``runs``, ``homes``, ``sites``, ``projects``, ``weekly``, ``mechanisms``,
        ``mechanisms_weekly``.
    """
    key = {"replication": replication.index, "seed": replication.seed}
    run, homes, sites = outcome_rows(model)
    drawn = {} if replication.draw == NO_DRAW else {"ensemble_draw": replication.draw}
    tables = {
        "runs": pd.DataFrame([{**key, **drawn, **run}]),
        "homes": pd.DataFrame([{**key, **row} for row in homes]),
        "sites": pd.DataFrame([{**key, **row} for row in sites]),
        "projects": project_table(model, key),
        "weekly": weekly_table(model, key),
        "mechanisms": mechanism_table(model, key),
        "mechanisms_weekly": weekly_mechanism_table(model, key),
    }
    return tables


NO_WEEK_COLUMNS = ("week_implemented", "week_ended")


def project_table(model: QICModel, key: dict[str, int]) -> pd.DataFrame:
    """One row per project; a week that never came (never implemented, never ended) is empty.

    The model marks such a week -1 (``Project.week_implemented``); the tables use empty values
    for "none", as the homes' ``first_implementation_week`` does, so that a mean or a minimum
    over a column cannot take -1 for a week.
    """
    table = pd.DataFrame([{**key, **row} for row in project_rows(model)], columns=[*key, *PROJECT_COLUMNS])
    for column in NO_WEEK_COLUMNS:
        if column in table:
            table[column] = table[column].where(table[column] >= 0).astype("Int64")
    return table


def outcome_row(seed: int, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Run one replication and return its run outcomes and mechanism totals as one flat row.

    This is what a sweep keeps per replication (:func:`mechanism_row`).

    Args:
        seed: The replication's seed.
        kwargs: Model keyword arguments from :func:`model_kwargs`.

    Returns:
        Outcome name to value.
    """
    return next(evaluate([Replication(seed, kwargs)], mechanism_row))


def mechanism_row(model: QICModel, replication: Replication) -> dict[str, Any]:
    """The evaluator's hook of a sweep or a calibration: a replication's outcomes and mechanism totals."""
    return outcome_and_mechanism_row(model)


def outcome_and_mechanism_row(model: QICModel) -> dict[str, Any]:
    """A finished model's run outcomes and its mechanism totals as one row.

    The run row of :func:`qicsim.model.outcomes.outcome_rows` plus each mechanism count summed
    over the run, prefixed ``mech_`` (some count names are also outcome names).
    """
    run, _, _ = outcome_rows(model)
    totals = model.counts.values.sum(axis=1)
    return {**run, **{f"mech_{name}": float(v) for name, v in zip(COUNT_NAMES, totals.tolist(), strict=True)}}


def labels(names: Sequence[str], index: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``names[index]`` as a column of pandas' default string type.

    The few distinct names are converted once and then taken by index: converting thousands
    of repeated strings row by row was most of the cost of the long tables.
    """
    return pd.Series(np.asarray(names)).array.take(index)


def weekly_table(model: QICModel, key: dict[str, int]) -> pd.DataFrame:
    """The weekly series in long format: replication, seed, week, site, measure, value."""
    values = model.series.values  # (weeks, sites, measures)
    weeks, sites, measures = np.meshgrid(np.arange(values.shape[0]), np.arange(values.shape[1]),
                                         np.arange(values.shape[2]), indexing="ij")
    return pd.DataFrame({
        **{k: np.full(values.size, v) for k, v in key.items()},
        "week": weeks.ravel(),
        "site": labels(site_names(model.n_sites), sites.ravel()),
        "measure": labels(SERIES_NAMES, measures.ravel()),
        "value": values.ravel(),
    })


def weekly_mechanism_table(model: QICModel, key: dict[str, int]) -> pd.DataFrame:
    """Each week's mechanism counts per site, long format; weeks in which a count did not move are left out."""
    values = model.counts.weekly  # (weeks, counts, sites)
    weeks, counts, sites = np.nonzero(values)
    return pd.DataFrame({
        **{k: np.full(len(weeks), v) for k, v in key.items()},
        "week": weeks,
        "site": labels(site_names(model.n_sites), sites),
        "mechanism": labels(COUNT_NAMES, counts),
        "value": values[weeks, counts, sites],
    })


def mechanism_table(model: QICModel, key: dict[str, int]) -> pd.DataFrame:
    """Mechanism counts in long format, per unit (a home, or a site's NHS side)."""
    values = model.counts.values  # (counts, units)
    names = site_names(model.n_sites)
    unit_site = [names[h.site] for h in model.homes] + names
    unit_name = [f"home_{h.index}" for h in model.homes] + [f"{n}_nhs" for n in names]
    counts, units = np.meshgrid(np.arange(values.shape[0]), np.arange(values.shape[1]), indexing="ij")
    return pd.DataFrame({
        **{k: np.full(values.size, v) for k, v in key.items()},
        "site": labels(unit_site, units.ravel()),
        "unit": labels(unit_name, units.ravel()),
        "mechanism": labels(COUNT_NAMES, counts.ravel()),
        "value": values.ravel(),
    })


def config_replications(config: Config) -> Iterator[Replication]:
    """A config's replications: seeds from its master seed, parameters drawn from ``run.ensemble`` if it names one."""
    seeds = [replication_seed(config.run.seed, i) for i in range(config.run.replications)]
    return replications(model_kwargs(config), seeds, maybe_load(config.run.ensemble))


def tables_of_replications(config: Config, batch_size: int = BATCH_SIZE) -> Iterator[dict[str, pd.DataFrame]]:
    """Each replication's tables in order (:func:`replication_tables`), with a progress bar.

    Args:
        config: A validated config.
        batch_size: Replications run in lockstep at most (a batch's models are held at once).

    Yields:
        One replication's tables.
    """
    with progress_bar(config.run.replications, config.scenario) as bar:
        for tables in evaluate(config_replications(config), replication_tables, batch_size=batch_size):
            yield tables
            bar.update(1)


def run_record(config: Config) -> dict[str, Any]:
    """The config as a run's results record it: a plain dict without the sweep section (it changes nothing)."""
    plain = asdict(config)
    plain.pop("sweep")
    return plain


def simulate(config: Config) -> Results:
    """Run ``config.run.replications`` replications of a validated config, in this process, tables in memory.

    Args:
        config: A validated config (see :func:`qicsim.config.loader.load_config`).

    Returns:
        The tables of all replications.

    Raises:
        TooBigError: If they cannot fit in this machine's memory (:mod:`qicsim.run.estimate`).
    """
    from qicsim.run.estimate import check_fits

    check_fits(config, in_memory=True)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    for tables in tables_of_replications(config):
        for name, table in tables.items():
            parts[name].append(table)
    return Results({name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}, run_record(config))
