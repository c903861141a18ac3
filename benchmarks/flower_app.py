"""The benchmark's configuration as a Flower app, run by Flower's own simulation engine.

Used by ``engines.py`` (run it, not this file). Written the way a Flower 1.42 user would:
a ``ClientApp`` whose ``train`` function loads its partition and runs plain SGD with the kit's
one local-training routine (``fedlearn_edu.training.local_train``), a ``ServerApp`` that runs ``flwr.serverapp.strategy.FedAvg`` with a central
``evaluate_fn``, and ``flwr.simulation.run_simulation`` (Ray backend, one CPU per client).

Same data split, model, initial weights and minibatch order as the kit's engines: the digits
split (seed 0), ``iid_partition(..., seed=0)``, ``mlp((64, 32, 10), seed=0)``, and client ``k``'s
minibatch order in round ``r`` drawn from ``client_seeds(seed, r, K)[k]`` exactly as
the kit's engines do (``fedlearn_edu.training.minibatch_order``). So all engines should end at the
same weights.

    python benchmarks/flower_app.py K ROUNDS OUT.npz      (prints one JSON line)
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
import time
import warnings

import numpy as np
import torch
from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg
from flwr.simulation import run_simulation

from fedlearn_edu.data import iid_partition, load_digits
from fedlearn_edu.simulation.models import evaluate, mlp
from fedlearn_edu.simulation.sampling import client_seeds
from fedlearn_edu.training import local_train

SETTINGS = {"lr": 0.05, "epochs": 1, "batch-size": 10, "seed": 0}


@functools.cache
def client_data(partition_id: int, n_partitions: int) -> tuple[torch.Tensor, torch.Tensor]:
    digits = load_digits(seed=0)
    part = iid_partition(digits.y_train, n_partitions, seed=0)[partition_id]
    return torch.from_numpy(digits.x_train[part]), torch.from_numpy(digits.y_train[part])


client_app = ClientApp()


@client_app.train()
def train(msg: Message, context: Context) -> Message:
    k, n = int(context.node_config["partition-id"]), int(context.node_config["num-partitions"])
    config = msg.content["config"]
    x, y = client_data(k, n)
    model = mlp((64, 32, 10), seed=0)
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    seed = int(client_seeds(int(config["seed"]), int(config["server-round"]), n)[k])
    result = local_train(
        model, x, y, lr=float(config["lr"]), epochs=int(config["epochs"]),
        batch_size=int(config["batch-size"]), loss="cross_entropy", seed=seed,
    )  # fmt: skip
    metrics = MetricRecord({"num-examples": len(x), "train-loss": float(result.loss)})
    content = RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": metrics})
    return Message(content=content, reply_to=msg)


server_app = ServerApp()
RESULT: dict = {"eval_times": []}


@server_app.main()
def main(grid: Grid, context: Context) -> None:
    digits = load_digits(seed=0)
    model = mlp((64, 32, 10), seed=0)
    n = RESULT["clients"]

    def central_evaluation(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        RESULT["eval_times"].append(time.perf_counter())
        accuracy, loss = evaluate(
            model, arrays.to_torch_state_dict(), digits.x_test, digits.y_test, "cross_entropy"
        )
        return MetricRecord({"accuracy": accuracy, "loss": loss})

    strategy = FedAvg(fraction_train=1.0, fraction_evaluate=0.0, min_train_nodes=n, min_available_nodes=n)
    result = strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord(model.state_dict()),
        num_rounds=RESULT["rounds"],
        train_config=ConfigRecord(dict(SETTINGS)),
        evaluate_fn=central_evaluation,
    )
    RESULT["state"] = result.arrays.to_torch_state_dict()
    RESULT["accuracy"] = central_evaluation(RESULT["rounds"], result.arrays)["accuracy"]
    RESULT["eval_times"].pop()  # that last call was ours, not a round's


def run(n_clients: int, rounds: int, out: str) -> dict:
    RESULT.update(clients=n_clients, rounds=rounds)
    logging.disable(logging.WARNING)  # Flower logs every round at INFO
    warnings.simplefilter("ignore")
    run_simulation(
        server_app=server_app,
        client_app=client_app,
        num_supernodes=n_clients,
        backend_config={"client_resources": {"num_cpus": 1, "num_gpus": 0.0}},
    )
    np.savez(out, **{k: v.numpy() for k, v in RESULT["state"].items()})
    times = np.diff(RESULT["eval_times"])  # evaluate_fn runs before round 1 and after each round
    return {"round_seconds": times.tolist(), "accuracy": RESULT["accuracy"]}


if __name__ == "__main__":
    # Ray's workers unpickle the apps by module name, and cannot import ``__main__``: run them
    # from the module ``flower_app``, importable from here and (through PYTHONPATH) in the workers.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, here)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))
    import flower_app

    k, r, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    print("RESULT " + json.dumps(flower_app.run(k, r, path)), flush=True)
