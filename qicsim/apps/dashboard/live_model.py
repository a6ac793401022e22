"""The dashboard's model: a QICModel built through the same config path as the command line.

``scenario_config(scenario, overrides)`` validates the settings, ``qicsim.run.runner.model_kwargs``
turns them into plain values, and :class:`qicsim.model.QICModel` runs them: the model never
sees Hydra. Mesa's controller rebuilds the model by calling its class with the controls'
values as keywords (Reset), so the controls are this class's keyword arguments.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from qicsim.apps.dashboard.controls import COMPOSE, scenario_intensities
from qicsim.model import QICModel
from qicsim.model.contexts import CONTEXT_NAMES


def context_overrides(scenario: str, intensities: dict[str, float]) -> list[str]:
    """Overrides for the sliders that differ from the scenario: intensity for every site and week.

    A moved slider replaces that context's per-site values and schedule (e.g. PEACH's remit
    widening at week 13): the slider means one intensity throughout. Sliders left at the
    scenario's value keep its schedule.
    """
    base = scenario_intensities(scenario)
    out = []
    for name, value in intensities.items():
        if value is not None and abs(float(value) - base[name]) > 1e-9:
            out += [f"contexts.{name}.intensity={float(value)}", f"contexts.{name}.schedule=[]",
                    f"contexts.{name}.sites={{}}"]
    return out


def build_kwargs(scenario: str, intensities: dict[str, float]) -> dict[str, Any]:
    """QICModel keywords for a scenario with the sliders' intensities (validated like the CLI)."""
    from qicsim.run.api import scenario_config
    from qicsim.run.runner import model_kwargs

    overrides = context_overrides(scenario, intensities)
    with COMPOSE:
        config = scenario_config(scenario, overrides)
    return model_kwargs(config)


class DashboardModel(QICModel):
    """QICModel with the dashboard's controls as keywords, and a record of what the charts need.

    Args:
        scenario_name: A shipped scenario (``scenario`` is Mesa's own attribute).
        seed: Seed of the run.
        **sliders: One intensity per context of the registry (``remit_clarity`` ...
            ``data_support``); None or absent keeps the scenario's setting.
    """

    def __init__(self, scenario_name: str = "peach", seed: int = 1, **sliders: float | None) -> None:
        unknown = set(sliders) - set(CONTEXT_NAMES)
        if unknown:
            raise TypeError(f"DashboardModel: unknown control {sorted(unknown)[0]!r}; "
                            f"one of {', '.join(CONTEXT_NAMES)}")
        self.scenario_name = scenario_name
        self.sliders = {name: sliders.get(name) for name in CONTEXT_NAMES}
        super().__init__(seed=int(seed), **build_kwargs(scenario_name, self.sliders))
        # Series the model does not keep week by week: members' mean safety and protected staff.
        self.safety_by_week = np.full(self.total_weeks, np.nan)
        self.protected_by_week = np.zeros(self.total_weeks)

    def step(self) -> None:
        """One week, then record members' mean safety and how many were protected."""
        week = self.week
        super().step()
        if self.week > week:
            members = self.staff.member
            self.safety_by_week[week] = float(self.staff.safety[members].mean()) if members.any() else np.nan
            self.protected_by_week[week] = float((self.staff.protected_used > 0).sum())


def _with_context_keywords(init: Any) -> None:
    """Give ``__init__`` a signature that names each context: Mesa's controller checks keywords by it."""
    signature = inspect.signature(init)
    head = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
    named = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation="float | None")
             for name in CONTEXT_NAMES]
    init.__signature__ = signature.replace(parameters=[*head, *named])


_with_context_keywords(DashboardModel.__init__)
