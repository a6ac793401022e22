"""Pass/fail criteria of held-out validation targets, fixed before the model is run.

Two kinds, chosen by what the source reports:

* :class:`Band`: the source gives a rate or a bound (a turnover, "under 20%", "about 3 per
  team"). The check passes when the simulated mean over replications lies in the band; the
  band's width is the tolerance the source deserves, stated with its reason.
* :class:`Predictive`: the source reports a small count (0 of 4 teams, 3 of 7 interventions).
  Such a count is itself noisy, so the model is observed the way the study observed the world
  (the same number of teams or interventions) and the check passes when the observed count lies
  inside the model's 90% predictive range: neither tail beyond it holds less than 5% of the
  predictive distribution (a posterior predictive check, Gelman et al., Bayesian Data Analysis,
  ch. 6). With a parameter ensemble the replications carry parameter uncertainty too.

Beside its verdict each criterion gives a posterior predictive probability (issue 21, item 7):
how probable the observation is under the model, were the programme run once more. The
replications are the predictive distribution (with an ensemble, parameters and structure drawn
with each). Where the source reports a value (a count, or a band's ``point``) the probability is
two-sided, twice the smaller tail at the observed value (capped at 1), as in the calibration's
own predictive checks (:mod:`qicsim.studies.calibration.selection_report`); where it gives only a
bound ("under 20%", "most"), it is the share of replications inside the band the bound allows.
Below :data:`PREDICTIVE_FAIL` the predictive check fails and is reported beside the verdict; the
verdict itself is the criterion's, fixed before the model was run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TAIL = 0.05  # each tail of the 90% predictive range
PREDICTIVE_FAIL = 0.05  # a posterior predictive probability below this fails (as in the calibration's checks)
INTERVAL = (0.05, 0.95)  # the simulated value's 90% interval over replications


@dataclass(frozen=True)
class Verdict:
    """The outcome of one criterion on one set of replications.

    Attributes:
        passed: Whether the criterion holds.
        detail: What was compared, in a few words (e.g. ``P(X <= 0) = 0.93``).
    """

    passed: bool
    detail: str


@dataclass(frozen=True)
class Band:
    """The simulated mean must lie in ``[lo, hi]``.

    Attributes:
        lo: Lowest mean that passes.
        hi: Highest mean that passes.
        point: The value the source reports, where it reports one ("two-thirds", "about 3"); None
            where it gives only a bound ("under 20%", "most"). Used only by :meth:`predictive_p`.
    """

    lo: float
    hi: float
    point: float | None = None

    def describe(self) -> str:
        """The criterion in words."""
        return f"simulated mean in [{self.lo:g}, {self.hi:g}]"

    def judge(self, values: np.ndarray) -> Verdict:
        """Judge per-replication values (NaN-free)."""
        mean = float(np.mean(values))
        return Verdict(self.lo <= mean <= self.hi, f"mean {mean:.3g} vs [{self.lo:g}, {self.hi:g}]")

    def predictive_p(self, values: np.ndarray) -> float:
        """Posterior predictive probability of the observation (module docstring), from per-replication values."""
        if self.point is None:
            return float(np.mean((values >= self.lo) & (values <= self.hi)))
        return two_sided(values, self.point)


@dataclass(frozen=True)
class Predictive:
    """The observed count must lie inside the model's 90% predictive range.

    Attributes:
        observed: The count the source reports.
        trials: If set, each replication's value is a share ``p`` and the study observed
            ``trials`` units: the predictive distribution is the mixture over replications of
            Binomial(``trials``, ``p``). If None, each replication's value is itself the count
            (e.g. teams out of a run's 4).
        at_least: The source gives a lower bound ("reached 4 homes", others not reported): only
            the upper tail ``P(X >= observed)`` is checked.
    """

    observed: int
    trials: int | None = None
    at_least: bool = False

    def describe(self) -> str:
        """The criterion in words."""
        seen = f"{'at least ' if self.at_least else ''}{self.observed}"
        of = f" of {self.trials}" if self.trials else ""
        tails = f"P(X >= {self.observed})" if self.at_least else f"P(X <= {self.observed}) and P(X >= {self.observed})"
        return f"observed {seen}{of} inside the 90% predictive range: {tails} each >= {TAIL:g}"

    def distribution(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The predictive distribution of the count: support and probabilities."""
        if self.trials is None:
            support, counts = np.unique(np.rint(values).astype(np.int64), return_counts=True)
            return support, counts / counts.sum()
        from scipy import stats  # here, not at the top: the targets' table is read where scipy is not needed

        support = np.arange(self.trials + 1)
        shares = np.clip(values, 0.0, 1.0)
        return support, stats.binom.pmf(support[:, None], self.trials, shares[None, :]).mean(axis=1)

    def tails(self, support: np.ndarray, prob: np.ndarray) -> tuple[float, float]:
        """``P(X <= observed)`` and ``P(X >= observed)`` under a predictive distribution (:meth:`distribution`)."""
        return float(prob[support <= self.observed].sum()), float(prob[support >= self.observed].sum())

    def predictive_p(self, values: np.ndarray) -> float:
        """Posterior predictive probability of the observed count: the upper tail for a lower bound, else two-sided."""
        lower, upper = self.tails(*self.distribution(values))
        return upper if self.at_least else min(1.0, 2.0 * min(lower, upper))

    def judge(self, values: np.ndarray) -> Verdict:
        """Judge per-replication values (NaN-free)."""
        support, prob = self.distribution(values)
        lower, upper = self.tails(support, prob)
        cdf = np.cumsum(prob)
        low_end = int(support[np.searchsorted(cdf, TAIL - 1e-12)])
        high_end = int(support[min(np.searchsorted(cdf, 1 - TAIL - 1e-12), len(support) - 1)])
        span = f"90% predictive range {low_end}-{high_end}"
        if self.at_least:
            return Verdict(upper >= TAIL, f"P(X >= {self.observed}) = {upper:.3f}; {span}")
        return Verdict(min(upper, lower) >= TAIL,
                       f"P(X <= {self.observed}) = {lower:.3f}, P(X >= {self.observed}) = {upper:.3f}; {span}")


def two_sided(values: np.ndarray, observed: float) -> float:
    """Twice the smaller share of values at or below and at or above the observed value, capped at 1."""
    below, above = np.mean(values <= observed), np.mean(values >= observed)
    return float(min(1.0, 2.0 * min(below, above)))


Criterion = Band | Predictive
