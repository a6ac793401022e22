"""Dependencies by need: the core runs the model and a plain run; studies and the dashboard are extras."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from qicsim.errors import QicsimError
from qicsim.lazy import MissingExtraError, needs_extra

ROOT = Path(__file__).resolve().parents[1]
STUDIES = {"pyabc", "ema-workbench", "sympy", "salib", "openpyxl", "joblib", "scipy", "hydra-joblib-launcher",
           "hydra-submitit-launcher", "statsmodels"}  # statsmodels: the PSA's EVPPI regression (policy/psa.py)


def names(requirements: list[str]) -> set[str]:
    """Distribution names of requirement strings, lower case (``mesa[network]>=3.3`` -> ``mesa``)."""
    return {re.match(r"[A-Za-z0-9_.-]+", r).group(0).lower() for r in requirements}


def test_the_core_leaves_the_studies_packages_to_their_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core, extras = names(project["dependencies"]), project["optional-dependencies"]
    assert core >= {"mesa", "numpy", "pandas", "matplotlib", "hydra-core", "omegaconf", "pyyaml", "pyarrow", "tqdm",
                    "filelock"}
    assert not core & STUDIES, core & STUDIES
    assert names(extras["studies"]) == STUDIES
    assert "qicsim[studies,dashboard]" in extras["test"]  # the README's install of .[test] still gets everything


def test_a_missing_package_of_an_extra_is_one_line_naming_the_extra() -> None:
    with pytest.raises(MissingExtraError) as raised, needs_extra("studies"):
        import qicsim_no_such_package  # noqa: F401
    error = raised.value
    assert str(error) == ("qicsim_no_such_package: not installed (part of qicsim[studies]); "
                          "allowed: pip install 'qicsim[studies]'")
    assert isinstance(error, QicsimError) and isinstance(error, ModuleNotFoundError)
    assert error.name == "qicsim_no_such_package" and error.exit_code == 2


def test_a_missing_module_of_qicsim_itself_is_not_blamed_on_an_extra() -> None:
    with pytest.raises(ModuleNotFoundError) as raised, needs_extra("studies"):
        import qicsim.no_such_module  # noqa: F401
    assert not isinstance(raised.value, MissingExtraError)


def test_installed_packages_import_as_usual() -> None:
    with needs_extra("studies"):
        import sympy
    assert sympy.Symbol("x").name == "x"
