"""Robust aggregation as FedAvg's server step (lesson 07): median, trimmed mean, Krum, norm clipping.

Each is :class:`~.fedavg.RuleAlgorithm` with a rule of :mod:`fedlearn_edu.aggregate` (the maths
lives there, written once); norm clipping clips each update around the current global weights.
Malicious clients are plugged in by client id with :class:`fedlearn_edu.attacks.Malicious`.

>>> [a.name for a in (Median(), TrimmedMean(2), Krum(1), MultiKrum(1, 3), NormClipping(0.5))]
['median', 'trimmed mean', 'Krum', 'multi-Krum', 'norm clipping']
"""

from __future__ import annotations

import functools

from fedlearn_edu import aggregate as agg
from fedlearn_edu._validation import check_count, check_real
from fedlearn_edu.algorithms.fedavg import RuleAlgorithm

__all__ = ["Krum", "Median", "MultiKrum", "NormClipping", "TrimmedMean"]


class Median(RuleAlgorithm):
    """The coordinate-wise median of the clients' weights (Yin et al. 2018)."""

    def __init__(self):
        super().__init__(agg.coordinate_median, "median")


class TrimmedMean(RuleAlgorithm):
    """Per coordinate, drop the ``n_trim`` largest and smallest values, average the rest."""

    def __init__(self, n_trim: int):
        check_count(n_trim, "n_trim")
        super().__init__(functools.partial(agg.trimmed_mean, n_trim=n_trim), "trimmed mean")


class Krum(RuleAlgorithm):
    """The one client whose ``n - f - 2`` nearest neighbours are closest (Blanchard et al. 2017)."""

    def __init__(self, n_byzantine: int):
        check_count(n_byzantine, "n_byzantine")
        super().__init__(functools.partial(agg.krum, n_byzantine=n_byzantine), "Krum")


class MultiKrum(RuleAlgorithm):
    """The mean of the ``n_selected`` clients with the best Krum scores."""

    def __init__(self, n_byzantine: int, n_selected: int):
        check_count(n_byzantine, "n_byzantine")
        check_count(n_selected, "n_selected", minimum=1)
        rule = functools.partial(agg.multi_krum, n_byzantine=n_byzantine, n_selected=n_selected)
        super().__init__(rule, "multi-Krum")


class NormClipping(RuleAlgorithm):
    """Clip each update ``w_k - w`` to norm ``max_norm`` around the global weights, then average."""

    def __init__(self, max_norm: float):
        check_real(max_norm, "max_norm", low=0, include_low=False)
        super().__init__(functools.partial(agg.norm_clipped_mean, max_norm=max_norm), "norm clipping")
