"""Money in one price year and over time: inflation by one stated index, discounting by week.

* **Inflation**: every unit cost carries the financial year its figure is priced in (``"2013/14"``);
  :func:`inflate` moves it to the analysis' price year with one index (``configs/costs/indices/<name>.yaml``:
  the annual percent change into each year, e.g. the NHS Cost Inflation Index of PSSRU's Unit Costs of
  Health and Social Care). A figure of a later year is deflated by the same index.
* **Discounting**: the NICE reference case discounts costs and QALYs at 3.5% a year (1.5% as a
  sensitivity). A run counts in weeks from the start of support, so money or health in week ``w``
  is weighted by ``(1 + rate) ** (-w / 52)`` (:func:`discount_factors`): applied by week, not by year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from qicsim.errors import ConfigError

WEEKS_PER_YEAR = 52.0
YEAR = re.compile(r"^(\d{4})/(\d{2})$")
INDICES_FOLDER = "indices"


def year_start(year: str, key: str = "year") -> int:
    """The calendar year a financial year (``"2023/24"``) starts in.

    Raises:
        ConfigError: Not of the form ``YYYY/YY`` with consecutive years.
    """
    match = YEAR.match(str(year))
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ConfigError(key, f"{year!r} is not a financial year", "YYYY/YY with consecutive years, e.g. 2023/24")
    return int(match.group(1))


@dataclass(frozen=True)
class PriceIndex:
    """A price index as levels by financial year.

    Attributes:
        name: What the index is.
        source: Where its figures come from.
        levels: Level of the index in each financial year (1 in the first year), by ``"YYYY/YY"``.
    """

    name: str
    source: str
    levels: dict[str, float]

    def factor(self, from_year: str, to_year: str, key: str = "year") -> float:
        """What a price of ``from_year`` is multiplied by to be priced in ``to_year``.

        Raises:
            ConfigError: A year outside the index (naming ``key``).
        """
        for year in (from_year, to_year):
            year_start(year, key)
            if year not in self.levels:
                raise ConfigError(key, f"{year} is outside the price index ({self.name})",
                                  f"a year from {min(self.levels)} to {max(self.levels)}")
        return self.levels[to_year] / self.levels[from_year]


def parse_index(raw: Any, where: str) -> PriceIndex:
    """Check an index file's content: ``name``, ``source``, ``first_year`` and ``percent_change`` by year.

    Raises:
        ConfigError: One line naming the file and the field.
    """
    if not isinstance(raw, dict):
        raise ConfigError(where, "not a mapping", "name, source, first_year, percent_change")
    for key in ("name", "source", "first_year", "percent_change"):
        if key not in raw:
            raise ConfigError(f"{where}: {key}", "missing", "name, source, first_year, percent_change")
    first = str(raw["first_year"])
    start = year_start(first, f"{where}: first_year")
    changes = raw["percent_change"]
    if not isinstance(changes, dict) or not changes:
        raise ConfigError(f"{where}: percent_change", "not a mapping of years", "'YYYY/YY': percent change")
    levels = {first: 1.0}
    for i, year in enumerate(sorted(changes, key=str)):
        key = f"{where}: percent_change.{year}"
        if year_start(str(year), key) != start + i + 1:
            raise ConfigError(key, f"does not follow {first} year by year",
                              f"consecutive years from {start + 1}/{(start + 2) % 100:02d}")
        entry = changes[year]
        value = entry.get("value") if isinstance(entry, dict) else entry
        if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or value <= -100:
            raise ConfigError(key, f"{value!r} is not a percent change", "a number > -100")
        levels[str(year)] = levels[list(levels)[-1]] * (1.0 + value / 100.0)
    return PriceIndex(name=str(raw["name"]), source=str(raw["source"]), levels=levels)


def read_yaml(path: Path) -> Any:
    """A YAML file's content; a file that is not YAML is a one-line error naming it."""
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(str(path), f"not YAML ({str(error).splitlines()[0]})", "a YAML mapping") from None


def load_index(name: str, costs_folder: Path) -> PriceIndex:
    """Read ``<costs_folder>/indices/<name>.yaml``.

    Raises:
        ConfigError: A missing or malformed file (one line).
    """
    path = costs_folder / INDICES_FOLDER / f"{name}.yaml"
    if not path.is_file():
        shipped = sorted(p.stem for p in (costs_folder / INDICES_FOLDER).glob("*.yaml"))
        raise ConfigError("index", f"{name!r} has no file {path}", ", ".join(shipped) or "an index file")
    raw = read_yaml(path)
    return parse_index(raw, str(path))


def inflate(value: float, from_year: str, to_year: str, index: PriceIndex) -> float:
    """``value`` priced in ``from_year`` re-priced in ``to_year`` (inflated forward, deflated back)."""
    return float(value) * index.factor(from_year, to_year)


def discount_factors(weeks: np.ndarray | int, rate: float) -> np.ndarray:
    """The weight of money or health in each week (week 0: the start of support), ``(1 + rate) ** (-week / 52)``.

    Args:
        weeks: Week numbers, or a count ``n`` for weeks ``0 .. n - 1``.
        rate: Annual discount rate (0.035 for 3.5%).
    """
    w = np.arange(weeks) if isinstance(weeks, int | np.integer) else np.asarray(weeks, dtype=float)
    return (1.0 + rate) ** (-w / WEEKS_PER_YEAR)


def spread_factor(weeks: int, rate: float) -> float:
    """The discount factor of a sum spent evenly over weeks ``0 .. weeks - 1`` (1 when ``weeks`` is 0)."""
    return float(discount_factors(int(weeks), rate).mean()) if weeks > 0 else 1.0


def check_rate(value: Any, key: str) -> float:
    """A discount rate: a finite number in [0, 1).

    Raises:
        ConfigError: Naming ``key``.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value) or not 0 <= value < 1:
        raise ConfigError(key, f"{value!r} is not a discount rate", "a number in [0, 1), e.g. 0.035 for 3.5% a year")
    return float(value)
