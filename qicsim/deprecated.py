"""Old import paths, kept working for one release after the package moved into four wings.

Before the restructuring into wings (model, run, studies, apps; config beside), modules sat
at the top of the package (``qicsim.runner``, ``qicsim.parameters``) or in subpackages of
their own (``qicsim.sweep``, ``qicsim.policy``). Code that imports them by the old name
still works: a finder on ``sys.meta_path`` imports the module from its new home, warns with a
``DeprecationWarning`` naming it, and registers it under the old name too (the same module
object, so ``qicsim.runner.simulate is qicsim.run.runner.simulate``). Old names are
matched by prefix, so a package's submodules follow it (``qicsim.sweep.design`` ->
``qicsim.studies.sweep.design``).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import warnings
from types import ModuleType

MOVED: dict[str, str] = {
    "qicsim.parameters": "qicsim.model.parameters",
    "qicsim.contexts": "qicsim.model.contexts",
    "qicsim.theory": "qicsim.model.theory",
    "qicsim.model.mediation": "qicsim.model.mediators",
    "qicsim.ensemble": "qicsim.config.ensemble",
    "qicsim.runner": "qicsim.run.runner",
    "qicsim.stream": "qicsim.run.stream",
    "qicsim.output": "qicsim.run.output",
    "qicsim.summary": "qicsim.run.summary",
    "qicsim.plot": "qicsim.run.plot",
    "qicsim.folders": "qicsim.run.folders",
    "qicsim.progress": "qicsim.run.progress",
    "qicsim.api": "qicsim.run.api",
    "qicsim.compare": "qicsim.studies.paired",
    "qicsim.cli": "qicsim.apps.cli.main",
    "qicsim.paramdocs": "qicsim.apps.paramdocs",
    "qicsim.analysis.cli": "qicsim.apps.cli.analyse",
    "qicsim.calibration.cli": "qicsim.apps.cli.calibrate",
    "qicsim.validation.cli": "qicsim.apps.cli.validate",
    "qicsim.policy.cli": "qicsim.apps.cli.compare",
    "qicsim.dashboard.cli": "qicsim.apps.cli.dashboard",
    "qicsim.slides.cli": "qicsim.apps.cli.plot",
    "qicsim.policy.compare": "qicsim.studies.policy.appraisal",
    "qicsim.dashboard.model": "qicsim.apps.dashboard.live_model",
    "qicsim.sweep": "qicsim.studies.sweep",
    "qicsim.analysis": "qicsim.studies.analysis",
    "qicsim.mechanisms": "qicsim.studies.mechanism_checks",
    "qicsim.calibration": "qicsim.studies.calibration",
    "qicsim.validation": "qicsim.studies.validation",
    "qicsim.policy": "qicsim.studies.policy",
    "qicsim.study": "qicsim.studies.end_to_end",
    "qicsim.dashboard": "qicsim.apps.dashboard",
    "qicsim.slides": "qicsim.apps.slides",
}
"""Old module or package -> its new home."""


def new_name(old: str) -> str | None:
    """The new home of an old module name, or None if it did not move.

    Args:
        old: A dotted module name such as ``qicsim.sweep.design``.
    """
    if old in MOVED:
        return MOVED[old]
    package, _, rest = old.rpartition(".")
    while package:  # the longest moved package that holds it
        if package in MOVED:
            return f"{MOVED[package]}.{old[len(package) + 1:]}"
        package, _, tail = package.rpartition(".")
        rest = f"{tail}.{rest}"
    return None


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds an old module name and loads it as the module at its new home."""

    def find_spec(self, fullname: str, path: object = None,
                  target: object = None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("qicsim."):
            return None  # first on the path, so every import asks: answer others at once
        new = new_name(fullname)
        if new is None:
            return None
        found = importlib.util.find_spec(new)
        if found is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=found.submodule_search_locations is not None)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        new = new_name(spec.name)
        warnings.warn(f"{spec.name} has moved to {new}; the old name goes in the next release",
                      DeprecationWarning, stacklevel=2)
        module = importlib.import_module(new)
        # The import system writes the alias's spec over the module's own; keep its own.
        self._own_spec = getattr(module, "__spec__", None)
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = self._own_spec


def install() -> None:
    """Put the finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.insert(0, _Alias())  # first: a moved package's submodules must not load twice
