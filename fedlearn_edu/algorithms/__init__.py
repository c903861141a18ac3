"""Federated algorithms, one a file, behind one small interface (:mod:`.base`).

- :mod:`.base` -- :class:`Algorithm` (configure / client update / server update), :class:`TrainPlan`,
  :class:`Message`, :class:`Reply`, :class:`Replies`;
- :mod:`.fedavg` -- :class:`FedAvg` (weighted or the article's plain mean) and :class:`RuleAlgorithm`
  (any rule of :mod:`fedlearn_edu.aggregate` as the server step);
- :mod:`.robust` -- :class:`Median`, :class:`TrimmedMean`, :class:`Krum`, :class:`MultiKrum`,
  :class:`NormClipping` (lesson 07); malicious clients: :class:`fedlearn_edu.attacks.Malicious`;
- :mod:`.dp` -- :class:`DPFedAvg` (lesson 06).

Run one with :func:`fedlearn_edu.simulation.simulate`.
"""

from fedlearn_edu.algorithms.base import Algorithm, Message, Replies, Reply, TrainPlan, count_values
from fedlearn_edu.algorithms.dp import DPFedAvg
from fedlearn_edu.algorithms.fedavg import FedAvg, RuleAlgorithm
from fedlearn_edu.algorithms.robust import Krum, Median, MultiKrum, NormClipping, TrimmedMean

__all__ = [
    "Algorithm",
    "DPFedAvg",
    "FedAvg",
    "Krum",
    "Median",
    "Message",
    "MultiKrum",
    "NormClipping",
    "Replies",
    "Reply",
    "RuleAlgorithm",
    "TrainPlan",
    "TrimmedMean",
    "count_values",
]
