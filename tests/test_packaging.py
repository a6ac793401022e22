"""The wheel ships the configs (from configs/, the one source), and the version lives in one place."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import qicsim

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_the_configs_and_finds_them_installed(tmp_path: Path) -> None:
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w",
                            str(tmp_path / "wheel")], capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next((tmp_path / "wheel").glob("qicsim-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {name.removeprefix("qicsim/configs/"): archive.read(name) for name in archive.namelist()
                   if name.startswith("qicsim/configs/")}
        archive.extractall(tmp_path / "site")
    source = {str(p.relative_to(ROOT / "configs")): p.read_bytes() for p in (ROOT / "configs").rglob("*")
              if p.is_file()}  # YAML, and the shipped ensembles (configs/ensemble/*.csv, *.json)
    assert shipped == source, "the wheel's configs must be configs/, file for file"
    # The unpacked wheel first on the path, run from a folder far from the repository.
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    env.pop("QICSIM_CONFIG_DIR", None)
    code = ("import qicsim; from qicsim.config.loader import config_dir; "
            "c = qicsim.scenario_config('funding_first_year_only');"
            "print(config_dir()); print(c.scenario, qicsim.__file__);"
            "from qicsim.config.ensemble import load_ensemble; from qicsim.config.schema import DEFAULT_ENSEMBLE; "
            "print(load_ensemble(DEFAULT_ENSEMBLE).source)")  # the default ensemble ships in the wheel
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    where, line, ensemble = proc.stdout.splitlines()
    assert where == str(tmp_path / "site" / "qicsim" / "configs")
    from qicsim.config.schema import DEFAULT_ENSEMBLE

    assert ensemble == str(tmp_path / "site" / "qicsim" / "configs" / "ensemble" / f"{DEFAULT_ENSEMBLE}.csv")
    assert line.startswith("funding_first_year_only " + str(tmp_path / "site"))


def test_version_comes_from_the_package_metadata() -> None:
    assert qicsim.__version__ == metadata.version("qicsim")
    assert '__version__ = "' not in (ROOT / "qicsim" / "__init__.py").read_text()
    text = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{qicsim.__version__}"' in text
