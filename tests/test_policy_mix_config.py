"""The budget search reads its numbers from the funding options (configs/funding/*.yaml), not from code.

Editing an option's YAML changes what the search runs; each item alone at its top level is the
option that buys it; the shipped options give the levels the committed reference was searched over.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from qicsim.config.paths import config_dir
from qicsim.errors import ConfigError
from qicsim.run.api import scenario_config as compose
from qicsim.studies.policy.mix import ITEM_SOURCES, default_levels, funding_basis, mix_option, parse_levels
from qicsim.studies.policy.options import SCENARIO, load_option

REFERENCE = Path(__file__).resolve().parents[1] / "results" / "reference" / "budget_commissioner"


def test_shipped_options_give_the_levels_of_the_committed_search() -> None:
    recorded = json.loads((REFERENCE / "provenance.json").read_text())["budget_search"]["levels"]
    assert {name: list(values) for name, values in default_levels().items()} == recorded
    basis = funding_basis()
    assert (basis.free_events, basis.uncoached) == (load_option("baseline").events, 0.3)


@pytest.mark.parametrize("item", sorted(ITEM_SOURCES))
def test_an_item_alone_at_its_top_level_is_the_option_that_buys_it(item: str) -> None:
    source = ITEM_SOURCES[item]
    option = load_option(source.option)
    bought = mix_option({item: max(default_levels()[item])})
    assert (bought.events, bought.items) == (option.events, option.items)
    mixed, shipped = (compose(SCENARIO, list(o.overrides)) for o in (bought, option))
    assert mixed.contexts == shipped.contexts
    assert mixed.parameters == shipped.parameters


def edit_option(folder: Path, name: str, change: Any) -> None:
    """Load ``configs/funding/<name>.yaml`` of a config copy, apply ``change`` to the mapping, write it back."""
    path = folder / "funding" / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text())
    change(raw)
    path.write_text(yaml.safe_dump(raw))


def replace_override(raw: dict[str, Any], key: str, value: str) -> None:
    raw["overrides"] = [f"{key}={value}" if o.split("=")[0] == key else o for o in raw["overrides"]]


@pytest.fixture
def configs_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the shipped configs, in use through ``$QICSIM_CONFIG_DIR``."""
    folder = tmp_path / "configs"
    shutil.copytree(config_dir(), folder)
    monkeypatch.setenv("QICSIM_CONFIG_DIR", str(folder))
    return folder


def test_editing_the_options_changes_the_search(configs_copy: Path) -> None:
    edit_option(configs_copy, "baseline", lambda raw: (raw.update(events=3),
                                                       replace_override(raw, "contexts.qi_coaching.intensity", "0.2")))
    edit_option(configs_copy, "coaching", lambda raw: replace_override(raw, "contexts.qi_coaching.intensity", "0.9"))
    edit_option(configs_copy, "facilitation",
                lambda raw: replace_override(raw, "parameters.facilitator_hours_per_home", "4.0"))
    edit_option(configs_copy, "extra_events", lambda raw: raw["items"].update(funded_events=2))
    edit_option(configs_copy, "backfill_care_home",
                lambda raw: replace_override(raw, "parameters.protected_roles", "[care_home_manager]"))

    zero = mix_option({})
    assert zero.events == 3
    assert "contexts.qi_coaching.intensity=0.2" in zero.overrides
    assert "parameters.protected_roles=[care_home_manager]" in zero.overrides
    assert "contexts.qi_coaching.intensity=0.9" in mix_option({"coaching": 2.0}).overrides
    assert "contexts.qi_coaching.intensity=0.8" in mix_option({"facilitation": 2.0}).overrides  # its own option's C6
    levels = parse_levels([])
    assert levels["facilitation"] == (0.0, 2.0, 4.0)
    assert levels["extra_events"] == (0.0, 2.0)
    assert levels["coaching"] == (0.0, 2.0)  # unedited


@pytest.mark.parametrize(("name", "change", "key"), [
    ("baseline", lambda raw: raw.pop("events"), "baseline.yaml: events"),
    ("baseline", lambda raw: raw.update(overrides=[o for o in raw["overrides"] if "qi_coaching" not in o]),
     "baseline.yaml: overrides"),
    ("data_support", lambda raw: replace_override(raw, "contexts.data_support.intensity", "0"),
     "data_support.yaml: contexts.data_support.intensity"),
])
def test_an_option_the_search_cannot_read_is_a_one_line_error(configs_copy: Path, name: str, change: Any,
                                                                key: str) -> None:
    edit_option(configs_copy, name, change)
    with pytest.raises(ConfigError) as error:
        funding_basis()
    assert key in str(error.value)
    assert len(str(error.value).splitlines()) == 1
