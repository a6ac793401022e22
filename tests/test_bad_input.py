"""Bad input fails fast: exit code 2, one line naming the key and what is allowed, no results.

Each kind runs once through the real ``qicsim`` console script; the same kinds go through
the Python API (``qicsim.config``) and the model's constructor. ``check_complete`` tells a
finished result folder from an incomplete or altered one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import qicsim
from qicsim.run.output import PROVENANCE, check_complete

# (id, override, key the one-line error must start with, text its "allowed" part must contain)
KINDS: list[tuple[str, str, str, str]] = [
    ("intensity_out_of_range", "contexts.protected_time.intensity=1.5",
     "contexts.protected_time.intensity", "[0, 1]"),
    ("parameter_out_of_range", "parameters.voice_prob=2", "parameters.voice_prob", "[0, 1]"),
    ("not_finite", "parameters.voice_prob=nan", "parameters.voice_prob", "[0, 1]"),
    ("intensity_wrong_type", "contexts.protected_time.intensity=abc",
     "contexts.protected_time.intensity", "number"),
    ("seed_wrong_type", "run.seed=x", "run.seed", "whole number"),
    ("negative_seed", "run.seed=-1", "run.seed", ">= 0"),
    ("unknown_key", "foo=1", "foo", "structure"),
    ("unknown_key_plus", "+foo=1", "foo", "structure"),
    ("unknown_parameter_plus", "+parameters.not_a_param=1", "parameters.not_a_param", "voice_prob"),
    ("unknown_context", "+contexts.not_a_context.intensity=1", "contexts.not_a_context", "protected_time"),
    ("unknown_scenario", "scenario=nope", "scenario", "peach"),
    ("zero_weeks", "structure.collaborative_weeks=0", "structure.collaborative_weeks", "[1, 520]"),
    ("zero_replications", "run.replications=0", "run.replications", ">= 1"),
    ("site_that_does_not_exist", "+contexts.alignment.sites.site_9=0.5",
     "contexts.alignment.sites.site_9", "site_4"),
    ("negative_hours", "parameters.protected_hours=-1", "parameters.protected_hours", "[0, 40]"),
    ("empty_list", "structure.homes_per_site=[]", "structure.homes_per_site", "list of a whole number"),
    ("zero_homes", "structure.homes_per_site=[3,0]", "structure.homes_per_site[1]", "[1, 100]"),
    ("event_after_support", "structure.learning_event_weeks=[0,100]",
     "structure.learning_event_weeks[1]", "collaborative_weeks"),
    ("schedule_week_outside_run", "+contexts.alignment.schedule=[{week:500,intensity:0.5}]",
     "contexts.alignment.schedule[0].week", "[0, 129]"),
    ("schedule_site_that_does_not_exist", "contexts.alignment.schedule=[{week:5,intensity:0.5,site:site_9}]",
     "contexts.alignment.schedule[0].site", "site_1"),
    ("context_as_bare_number", "contexts.alignment=0.5", "contexts.alignment", "intensity"),
]
PARAMS = [pytest.param(*kind, id=kind[0]) for kind in KINDS] + [
    pytest.param("unknown_key_in_schedule_step", "contexts.alignment.schedule=[{week:5,intensity:0.5,foo:1}]",
                 "contexts.alignment.schedule[0].foo", "week", id="unknown_key_in_schedule_step"),
]


def assert_one_line_error(text: str, key: str, allowed: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{text}"
    line = lines[0]
    assert "Traceback" not in line
    assert line.startswith(f"{key}:") or line.startswith(f"qicsim: error: {key}:"), line
    assert "allowed" in line, line
    assert allowed in line.split("allowed", 1)[1], line
    return line


@pytest.mark.parametrize(("kind", "override", "key", "allowed"), PARAMS)
def test_cli_rejects_bad_input(kind: str, override: str, key: str, allowed: str, tmp_path: Path,
                               cli: Any) -> None:
    proc = cli(["run.replications=1", override], tmp_path)  # the bad value last, so it wins
    assert proc.returncode == 2, (kind, proc.returncode, proc.stderr)
    line = assert_one_line_error(proc.stderr, key, allowed)
    assert line.startswith("qicsim: error: ")
    assert "implemented" not in proc.stdout, "a run summary was printed"
    assert not list(tmp_path.rglob(PROVENANCE)), "a results folder looks complete"
    assert not (tmp_path / "results").exists(), "a results folder was left behind"


@pytest.mark.parametrize(("kind", "override", "key", "allowed"), PARAMS)
def test_api_rejects_bad_input(kind: str, override: str, key: str, allowed: str) -> None:
    with pytest.raises(qicsim.ConfigError) as info:
        qicsim.scenario_config(overrides=[override])
    assert info.value.key == key
    assert_one_line_error(str(info.value), key, allowed)


def test_api_rejects_unknown_scenario_argument() -> None:
    with pytest.raises(qicsim.ConfigError, match=r"^scenario: unknown scenario 'nope'; allowed: one of .*peach"):
        qicsim.scenario_config("nope")


def test_api_run_rejects_bad_input_without_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(qicsim.ConfigError, match=r"^run\.replications: .*allowed"):
        qicsim.run("peach", replications=0, output=out)
    assert not out.exists()


MODEL_KINDS: list[tuple[str, str, str, str]] = [
    pytest.param({"not_a_setting": 3}, "parameters.not_a_setting", id="unknown_setting"),
    pytest.param({"voice_prob": "abc"}, "parameters.voice_prob", id="wrong_type"),
    pytest.param({"voice_prob": 2.0}, "parameters.voice_prob", id="out_of_range"),
    pytest.param({"protected_hours": -1.0}, "parameters.protected_hours", id="negative_hours"),
    pytest.param({"collaborative_weeks": 0}, "structure.collaborative_weeks", id="zero_weeks"),
    pytest.param({"homes_per_site": []}, "structure.homes_per_site", id="empty_list"),
    pytest.param({"homes_per_site": [2.5]}, "structure.homes_per_site[0]", id="fractional_homes"),
    pytest.param({"learning_event_weeks": [0, 100]}, "structure.learning_event_weeks[1]",
                 id="event_after_support"),
    pytest.param({"contexts": {"alignment": 1.5}}, "contexts.alignment", id="intensity_out_of_range"),
    pytest.param({"contexts": {"foo": 1.0}}, "contexts.foo", id="unknown_context"),
    pytest.param({"contexts": {"alignment": {"intensity": 0.5, "foo": 1}}}, "contexts.alignment.foo",
                 id="unknown_context_key"),
    pytest.param({"contexts": {"alignment": {"sites": {"site_9": 0.5}}}}, "contexts.alignment.sites.site_9",
                 id="site_that_does_not_exist"),
    pytest.param({"contexts": {"alignment": {"schedule": [{"week": 500, "intensity": 0.5}]}}},
                 "contexts.alignment.schedule[0].week", id="schedule_week_outside_run"),
    pytest.param({"contexts": {"alignment": {"schedule": [{"week": 5}]}}},
                 "contexts.alignment.schedule[0].intensity", id="schedule_step_without_intensity"),
    pytest.param({"contexts": {"alignment": {"schedule": [{"intensity": 0.5}]}}},
                 "contexts.alignment.schedule[0].week", id="schedule_step_without_week"),
    pytest.param({"contexts": {"alignment": {"schedule": [{"week": 5, "intensity": 0.5, "foo": 1}]}}},
                 "contexts.alignment.schedule[0].foo", id="unknown_key_in_schedule_step"),
    pytest.param({"homes_per_site": 3}, "structure.homes_per_site", id="number_instead_of_list"),
]


@pytest.mark.parametrize(("settings", "key"), MODEL_KINDS)
def test_model_rejects_bad_settings(settings: dict[str, Any], key: str) -> None:
    with pytest.raises(qicsim.ConfigError) as info:
        qicsim.QICModel(seed=1, **settings)
    assert info.value.key == key
    assert_one_line_error(str(info.value), key, "")


# --- check_complete ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def api_result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small result folder written through the API (the same writer as the command's)."""
    out = tmp_path_factory.mktemp("api_result") / "out"
    qicsim.run("peach", replications=2, overrides=["structure.homes_per_site=[3,3]"], output=out)
    return out


@pytest.fixture
def result_copy(api_result: Path, tmp_path: Path) -> Path:
    """A private copy of a complete result folder."""
    return Path(shutil.copytree(api_result, tmp_path / "copy"))


def test_check_complete_accepts_a_folder_the_cli_wrote(cli_run: tuple[Any, Path, Path]) -> None:
    folder = cli_run[2]
    prov = check_complete(folder)
    assert prov["complete"] is True
    assert prov["replications"] == 2
    expected = {"config.yaml", "implemented_by_site.png",
                *(f"{t}.{kind}" for t in qicsim.Results.TABLES for kind in ("csv", "parquet"))}
    assert set(prov["files"]) == expected


def _truncate(folder: Path) -> None:
    path = folder / "runs.csv"
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def _edit_one_digit(folder: Path) -> None:
    path = folder / "homes.csv"
    text = path.read_text()
    i = next(i for i in range(len(text) - 1, 0, -1) if text[i].isdigit())
    path.write_text(text[:i] + str((int(text[i]) + 1) % 10) + text[i + 1:])  # same length


def _set_provenance(folder: Path, value: Any) -> None:
    (folder / PROVENANCE).write_text(json.dumps(value))


def _drop_files_key(folder: Path) -> None:
    prov = json.loads((folder / PROVENANCE).read_text())
    del prov["files"]
    _set_provenance(folder, prov)


def _files_not_a_mapping(folder: Path) -> None:
    prov = json.loads((folder / PROVENANCE).read_text())
    prov["files"] = sorted(prov["files"])
    _set_provenance(folder, prov)


def _files_emptied(folder: Path) -> None:
    prov = json.loads((folder / PROVENANCE).read_text())
    prov["files"] = {}
    _set_provenance(folder, prov)
    for name in ("runs.csv", "weekly.csv"):
        (folder / name).unlink()


DAMAGE: list[Any] = [
    pytest.param(lambda f: (f / PROVENANCE).unlink(), "provenance", id="missing_provenance"),
    pytest.param(lambda f: (f / "weekly.csv").unlink(), "weekly.csv", id="missing_csv"),
    pytest.param(_truncate, "runs.csv", id="truncated_csv"),
    pytest.param(_edit_one_digit, "homes.csv", id="edited_csv"),
    pytest.param(lambda f: (f / PROVENANCE).write_text('{"files": {"runs.csv": '), "corrupt", id="invalid_json"),
    pytest.param(lambda f: _set_provenance(f, ["not", "a", "dict"]), "corrupt", id="provenance_not_an_object"),
    pytest.param(_drop_files_key, "corrupt", id="provenance_without_files"),
    pytest.param(_files_not_a_mapping, "corrupt", id="files_not_a_mapping"),
    pytest.param(_files_emptied, "runs.csv", id="files_list_emptied"),
]


@pytest.mark.parametrize(("damage", "named"), DAMAGE)
def test_check_complete_rejects_a_damaged_folder(damage: Any, named: str, result_copy: Path) -> None:
    check_complete(result_copy)  # intact before the damage
    damage(result_copy)
    with pytest.raises(qicsim.DataError) as info:
        check_complete(result_copy)
    message = str(info.value)
    assert "\n" not in message and "allowed" in message
    assert named in message, message
