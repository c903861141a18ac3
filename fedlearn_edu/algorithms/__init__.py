"""Federated algorithms, one a file, behind one small interface (:mod:`.base`).

- :mod:`.base` -- :class:`Algorithm` (configure / client update / server update), :class:`TrainPlan`,
  :class:`Message`, :class:`Reply`, :class:`Replies`;
- :mod:`.fedavg` -- :class:`FedAvg` (weighted or the article's plain mean; may drop stragglers) and
  :class:`RuleAlgorithm` (any rule of :mod:`fedlearn_edu.aggregate` as the server step);
- :mod:`.fedprox` -- :class:`FedProx` (proximal term, keeps stragglers' partial work; lesson 05),
  with :mod:`.stragglers` (who straggles and how much work they do);
- :mod:`.scaffold` -- :class:`Scaffold` (control variates; lesson 05);
- :mod:`.fedopt` -- :class:`FedAvgM`, :class:`FedAdam`, :class:`FedYogi` (server optimisers; lesson 05);
- :mod:`.robust` -- :class:`Median`, :class:`TrimmedMean`, :class:`Krum`, :class:`MultiKrum`,
  :class:`NormClipping` (lesson 07); malicious clients: :class:`fedlearn_edu.attacks.Malicious`;
- :mod:`.dp` -- :class:`DPFedAvg` (lesson 06).

Run one with :func:`fedlearn_edu.simulation.simulate`.
"""

from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, Reply, TrainPlan, count_values
from fedlearn_edu.algorithms.dp import DPFedAvg
from fedlearn_edu.algorithms.fedavg import FedAvg, RuleAlgorithm
from fedlearn_edu.algorithms.fedopt import FedAdam, FedAvgM, FedYogi, ServerOptimizer
from fedlearn_edu.algorithms.fedprox import FedProx
from fedlearn_edu.algorithms.robust import Krum, Median, MultiKrum, NormClipping, TrimmedMean
from fedlearn_edu.algorithms.scaffold import Scaffold

__all__ = [
    "Algorithm",
    "DPFedAvg",
    "FedAdam",
    "FedAvg",
    "FedAvgM",
    "FedProx",
    "FedYogi",
    "Krum",
    "Median",
    "Message",
    "MultiKrum",
    "NormClipping",
    "Replies",
    "Reply",
    "RuleAlgorithm",
    "Scaffold",
    "ServerOptimizer",
    "TrainPlan",
    "TrimmedMean",
    "count_values",
]
