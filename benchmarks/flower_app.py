"""The benchmark's configuration on Flower's deployment engine (a SuperLink and K SuperNodes).

Used by ``engines.py`` (run it, not this file). The App is the kit's Flower App
(``fedlearn_edu/frameworks/flower.py``, the one lesson 09 runs): a ``ClientApp`` training with the
kit's ``local_train`` and a ``ServerApp`` running ``flwr.serverapp.strategy.FedAvg`` with a central
``evaluate_fn``, submitted with ``flwr run`` to a SuperLink and one ``flower-supernode`` process per
client, all on 127.0.0.1 (``fedlearn_edu.frameworks.deploy.Deployment``; every process is stopped
at the end). Until issue 14 this row used Flower's simulation engine (``run_simulation``, Ray),
which Flower has deprecated in favour of ``flwr run``.

Same data split, model, initial weights and minibatch order as the kit's engines: the digits split
(seed 0), ``iid_partition(..., seed=0)``, ``mlp((64, 32, 10), seed=0)``, and client ``k``'s
minibatch order in round ``r`` from ``client_seeds(0, r, K)[k]``. So all engines end at the same
weights. One process per client: keep K small (the deployment allows at most 32).

    python benchmarks/flower_app.py K ROUNDS OUT.npz      (prints one JSON line)
"""

from __future__ import annotations

import json
import sys

import numpy as np

from fedlearn_edu.frameworks.deploy import Deployment

SETTINGS = {"lr": 0.05, "local-epochs": 1, "batch-size": 10, "seed": 0, "algorithm": "fedavg"}


def run(n_clients: int, rounds: int, out: str) -> dict:
    with Deployment(n_clients) as flower:
        result = flower.run(dict(SETTINGS, **{"num-server-rounds": rounds, "round-timeout": 600.0}),
                            timeout=60.0 * rounds + 300)  # fmt: skip
    np.savez(out, **result.final)
    times = np.diff(
        [r["time"] for r in result.rounds]
    )  # evaluate_fn runs before round 1 and after each round
    return {"round_seconds": times.tolist(), "accuracy": result.accuracy[-1]}


if __name__ == "__main__":
    k, r, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    print("RESULT " + json.dumps(run(k, r, path)), flush=True)
