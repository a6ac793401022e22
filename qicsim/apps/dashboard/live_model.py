"""The dashboard's model: a QICModel built through the same config path as the command line.

``scenario_config(scenario, overrides)`` validates the settings, ``qicsim.run.runner.model_kwargs``
turns them into plain values, and :class:`qicsim.model.QICModel` runs them: the model never
sees Hydra. Mesa's controller rebuilds the model by calling its class with the controls'
values as keywords (Reset), so the controls are this class's keyword arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from typing import Any

import numpy as np

from qicsim.apps.dashboard.controls import COMPOSE, scenario_intensities, scenario_plans
from qicsim.model import QICModel
from qicsim.model.contexts import CONTEXT_NAMES


def followed_plans(scenario: str, intensities: dict[str, float | None],
                   plans: Iterable[str] | None = None) -> tuple[str, ...]:
    """The contexts that follow the scenario's plan (a schedule or per-site values) rather than one value.

    ``plans`` None: every context with a plan whose slider is at the scenario's starting value or
    None. The page always says which (a switch under each such slider), so that a slider at,
    say, PEACH's C1 0.3 no longer silently keeps its widening at week 13.
    """
    has_plan = scenario_plans(scenario)
    if plans is not None:
        unknown = set(plans) - set(has_plan)
        if unknown:
            raise TypeError(f"DashboardModel: plans: {sorted(unknown)[0]!r} has no plan in scenario {scenario!r}; "
                            f"one of {', '.join(has_plan) or '(none)'}")
        return tuple(name for name in has_plan if name in plans)
    base = scenario_intensities(scenario)
    return tuple(name for name in has_plan
                 if intensities.get(name) is None or abs(float(intensities[name]) - base[name]) <= 1e-9)


def context_overrides(scenario: str, intensities: dict[str, float | None],
                      plans: Iterable[str] | None = None) -> list[str]:
    """Overrides for the sliders: one intensity for every site and week, except where a plan is followed.

    A context that follows the scenario's plan (:func:`followed_plans`) keeps its settings; any
    other slider means one intensity throughout (its schedule and per-site values dropped).
    Sliders at the scenario's value with no plan give no override (the same config as the CLI).
    """
    base = scenario_intensities(scenario)
    followed = set(followed_plans(scenario, intensities, plans))
    has_plan = scenario_plans(scenario)
    out = []
    for name, value in intensities.items():
        if value is None or name in followed:
            continue
        if name in has_plan or abs(float(value) - base[name]) > 1e-9:
            out += [f"contexts.{name}.intensity={float(value)}", f"contexts.{name}.schedule=[]",
                    f"contexts.{name}.sites={{}}"]
    return out


def build_kwargs(scenario: str, intensities: dict[str, float | None],
                 plans: Iterable[str] | None = None) -> dict[str, Any]:
    """QICModel keywords for a scenario with the sliders' intensities (validated like the CLI).

    ``plans``: the contexts that follow the scenario's plan (see :func:`followed_plans`).
    """
    from qicsim.run.api import scenario_config
    from qicsim.run.runner import model_kwargs

    overrides = context_overrides(scenario, intensities, plans)
    with COMPOSE:
        config = scenario_config(scenario, overrides)
    return model_kwargs(config)


class DashboardModel(QICModel):
    """QICModel with the dashboard's controls as keywords, and a record of what the charts need.

    Args:
        scenario_name: A shipped scenario (``scenario`` is Mesa's own attribute).
        seed: Seed of the run.
        plans: The contexts that follow the scenario's plan (a schedule or per-site values)
            instead of their slider's one value; None: those whose slider is at the
            scenario's starting value (:func:`followed_plans`).
        **sliders: One intensity per context of the registry (``remit_clarity`` ...
            ``data_support``); None or absent keeps the scenario's setting.
    """

    def __init__(self, scenario_name: str = "peach", seed: int = 1, plans: Iterable[str] | None = None,
                 **sliders: float | None) -> None:
        unknown = set(sliders) - set(CONTEXT_NAMES)
        if unknown:
            raise TypeError(f"DashboardModel: unknown control {sorted(unknown)[0]!r}; "
                            f"one of {', '.join(CONTEXT_NAMES)}")
        self.scenario_name = scenario_name
        self.sliders = {name: sliders.get(name) for name in CONTEXT_NAMES}
        self.plans = followed_plans(scenario_name, self.sliders, plans)
        super().__init__(seed=int(seed), **build_kwargs(scenario_name, self.sliders, self.plans))
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
