"""Where qicsim's YAML configs are: the wheel's copy, the repository's, or ``$QICSIM_CONFIG_DIR``.

Plain paths, no Hydra: the ensemble reader and the loader both ask for the folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from qicsim.errors import ConfigError

CONFIG_NAME = "config"
PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the qicsim package: installed, or a checkout's
PACKAGED_CONFIGS = PACKAGE_ROOT / "configs"  # in a wheel: the repository's configs/
REPOSITORY_CONFIGS = Path(__file__).resolve().parents[2] / "configs"  # in a checkout (editable install)


def config_dir() -> Path:
    """The folder of YAML configs: ``$QICSIM_CONFIG_DIR``, those shipped in the wheel, or the repository's.

    Raises:
        ConfigError: If the folder does not exist.
    """
    shipped = PACKAGED_CONFIGS if (PACKAGED_CONFIGS / f"{CONFIG_NAME}.yaml").is_file() else REPOSITORY_CONFIGS
    path = Path(os.environ.get("QICSIM_CONFIG_DIR") or shipped)
    if not (path / f"{CONFIG_NAME}.yaml").is_file():
        raise ConfigError("QICSIM_CONFIG_DIR", f"no {CONFIG_NAME}.yaml in {path}",
                          "a folder holding qicsim's configs (the repository's configs/)")
    return path


def inside_package(path: Path) -> bool:
    """Whether a path lies inside the qicsim package (in a wheel: its configs in site-packages).

    Nothing is ever written there: an upgrade would silently replace it, and other users share it.
    """
    return Path(path).resolve().is_relative_to(Path(PACKAGE_ROOT).resolve())
