"""Exercises for lesson 09, beyond one machine: ``from fedlearn_edu.questions.lesson09 import q1, q2, q3``.

q1 calls the student's ``ClientApp`` train function directly, in this process, with a train
``Message`` built as a SuperNode delivers it (no deployment needed), and compares the reply with
the kit's own local training. q2 (predict a message size) and q3 (read a Flower log) are values.
"""

from __future__ import annotations

from typing import Any

import torch

from fedlearn_edu._compare import brief
from fedlearn_edu.checker import CustomProblem, Incorrect, Mistake, ValueProblem, call_student, label_problems
from fedlearn_edu.i18n import t

NOTEBOOK = "09_beyond_one_machine"

# q1's small client: 12 examples with 4 features, 3 classes, and a linear model.
_gen = torch.Generator().manual_seed(9)
X_LOCAL = torch.randn(12, 4, generator=_gen)
Y_LOCAL = torch.randint(0, 3, (12,), generator=_gen)


def make_model() -> torch.nn.Module:
    """The model every client of q1 trains: 4 inputs, 3 classes."""
    torch.manual_seed(0)
    return torch.nn.Linear(4, 3)


def train_message(weights: dict[str, torch.Tensor], config: dict[str, Any]):
    """A train ``Message`` as a SuperNode hands it to a ClientApp: ``arrays`` and ``config``."""
    from flwr.app import ArrayRecord, ConfigRecord, Message, RecordDict
    from flwr.supercore.task_identity import TaskIdentity

    # Outside a deployment no task identity is set; Message() needs one (any number will do).
    for key in ("run_id", "node_id", "task_id"):
        if getattr(TaskIdentity, f"_{key}") is None:
            setattr(TaskIdentity, key, 0)
    content = RecordDict({"arrays": ArrayRecord(weights), "config": ConfigRecord(config)})
    return Message(content=content, dst_node_id=1, message_type="train")


def client_context(partition_id: int = 0, n_partitions: int = 3):
    """The ``Context`` a SuperNode started with ``--node-config "partition-id=... num-partitions=..."``
    gives its ClientApp."""
    from flwr.app import Context, RecordDict

    config = {"partition-id": partition_id, "num-partitions": n_partitions}
    return Context(run_id=0, node_id=1, node_config=config, state=RecordDict(), run_config={})


def _trained(start: dict[str, torch.Tensor], lr: float, epochs: int) -> dict[str, torch.Tensor]:
    from fedlearn_edu.training import local_train

    model = make_model()
    model.load_state_dict(start)
    local_train(model, X_LOCAL, Y_LOCAL, lr=lr, epochs=epochs, loss="cross_entropy")
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return set(a) == set(b) and all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def _judge_train(func: Any) -> str:
    from flwr.app import Message

    config = {"lr": 0.5, "local-epochs": 3, "server-round": 1}
    start = {k: v + 0.25 for k, v in make_model().state_dict().items()}  # not make_model()'s weights
    reply = call_student(func, "train", train_message(start, config), client_context(),
                         call="train(msg, context)")  # fmt: skip
    if not isinstance(reply, Message):
        raise Incorrect(
            t(
                "train must return a flwr Message (Message(content=..., reply_to=msg)), not {value}.",
                value=brief(reply),
            )
        )
    content = reply.content
    if "arrays" not in content.array_records:
        raise Incorrect(t('the reply needs the new weights as an ArrayRecord under the key "arrays".'))
    if "metrics" not in content.metric_records or "num-examples" not in content["metrics"]:
        raise Incorrect(
            t('the reply needs a MetricRecord under "metrics" with "num-examples": FedAvg weights by it.')
        )
    got = content["arrays"].to_torch_state_dict()
    if content["metrics"]["num-examples"] != len(X_LOCAL):
        raise Incorrect(
            t(
                '"num-examples" is {given}, but this client holds {n} examples (len(X_LOCAL)).',
                given=content["metrics"]["num-examples"],
                n=len(X_LOCAL),
            )
        )
    if _close(got, start):
        raise Incorrect(t("the weights you sent back are the ones you received: did you train the model?"))
    if _close(got, _trained(make_model().state_dict(), 0.5, 3)):
        raise Incorrect(
            t(
                "you trained make_model()'s fresh weights: load the global weights first, "
                'model.load_state_dict(msg.content["arrays"].to_torch_state_dict()).'
            )
        )
    if not _close(got, _trained(start, 0.5, 3)):
        wrong = {(lr, e): _trained(start, lr, e) for lr in (0.5, 0.05, 0.1) for e in (1, 3)}
        match = [key for key, w in wrong.items() if _close(got, w)]
        if match:
            raise Incorrect(
                t(
                    'train with the server\'s settings: lr=msg.content["config"]["lr"] and '
                    'epochs=msg.content["config"]["local-epochs"] (full batch, cross-entropy). Your weights '
                    "match training with lr={lr}, epochs={epochs}.",
                    lr=match[0][0],
                    epochs=match[0][1],
                )
            )
        raise Incorrect(
            t(
                'train with the server\'s settings: lr=msg.content["config"]["lr"] and '
                'epochs=msg.content["config"]["local-epochs"] (full batch, cross-entropy).'
            )
        )
    return t(
        "Your ClientApp trains the global weights with the server's settings and replies as Flower expects."
    )


q1 = CustomProblem(
    "train",
    judge=_judge_train,
    title="A ClientApp's train function",
    hints=[
        'Three steps: load msg.content["arrays"].to_torch_state_dict() into make_model(); call '
        "local_train(...) with the config's lr and local-epochs; build the reply.",
        'The reply: Message(content=RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": '
        'MetricRecord({"num-examples": len(X_LOCAL)})}), reply_to=msg).',
    ],
)

# --- q2: predict the bytes of one round -----------------------------------------------------------
_PARAMS = 64 * 32 + 32 + 32 * 10 + 10  # the MLP 64-32-10: 2410 numbers
_UP = 3 * _PARAMS * 4

q2 = ValueProblem(
    "bytes_up",
    expected=_UP,
    rtol=0,
    atol=0.5,
    title="Predict the model bytes clients send in one round",
    mistakes=[
        Mistake(_PARAMS * 4, "that is one client's model; three clients send one each."),
        Mistake(3 * _PARAMS, "that is the number of values; each float32 value takes 4 bytes."),
        Mistake(
            2 * _UP,
            "that counts both directions (or 8-byte float64 values); count only what goes up, in float32.",
        ),
        Mistake(3 * (64 * 32 + 32 * 10) * 4, "the biases (32 + 10 values) travel too."),
    ],
    hints=[
        "Count the model's numbers layer by layer: weights (inputs × outputs) plus biases (outputs).",
        "64·32 + 32 + 32·10 + 10 numbers, 4 bytes each (float32), times the number of clients.",
    ],
)

# --- q3: read a Flower log -------------------------------------------------------------------------
q3 = ValueProblem(
    "short_rounds",
    expected=[2, 3],
    title="Read a Flower log",
    mistakes=[
        Mistake(
            [3],
            "round 2 also aggregated only 2 results: the third node never answered (0 failures "
            "reported), and the server stopped waiting at the round timeout.",
        ),
        Mistake([2], "round 3 aggregated only 2 results as well (the third reply was an error)."),
        Mistake([1, 2, 3], "round 1 received 3 results: every client took part."),
        Mistake([], "look at the lines 'aggregate_train: Received N results': N is below 3 twice."),
    ],
    hints=[
        "Each round has one line 'aggregate_train: Received N results and M failures'.",
        "A round aggregates fewer than 3 models when N < 3, whether or not a failure was reported.",
    ],
)

label_problems(globals(), NOTEBOOK)

FLOWER_LOG = """\
INFO :      [ROUND 1/3]
INFO :      configure_train: Sampled 3 nodes (out of 3)
INFO :      aggregate_train: Received 3 results and 0 failures
INFO :      [fedlearn] round 1: test accuracy 0.7178
INFO :      [ROUND 2/3]
INFO :      configure_train: Sampled 3 nodes (out of 3)
INFO :      aggregate_train: Received 2 results and 0 failures
INFO :      [fedlearn] round 2: test accuracy 0.8178
INFO :      [ROUND 3/3]
INFO :      configure_train: Sampled 3 nodes (out of 3)
INFO :      aggregate_train: Received 2 results and 1 failures
INFO :              > Received error in reply from node 1: Error: Node Unavailable — The destination node failed to report a heartbeat within 2 × its expected interval.
INFO :      [fedlearn] round 3: test accuracy 0.8822
"""
"""q3's log: lines of a real run (a SuperNode was killed after round 1), shortened."""

__all__ = [
    "FLOWER_LOG",
    "X_LOCAL",
    "Y_LOCAL",
    "client_context",
    "make_model",
    "q1",
    "q2",
    "q3",
    "train_message",
]
