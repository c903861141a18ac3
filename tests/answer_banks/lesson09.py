"""Answer bank for lesson 09, beyond one machine (Flower)."""

from flwr.app import ArrayRecord, Message, MetricRecord, RecordDict

from fedlearn_edu.questions.lesson09 import X_LOCAL, Y_LOCAL, make_model
from fedlearn_edu.training import local_train


def _reply(model, msg, n=None):
    metrics = MetricRecord({"num-examples": len(X_LOCAL) if n is None else n})
    return Message(
        content=RecordDict({"arrays": ArrayRecord(model.state_dict()), "metrics": metrics}), reply_to=msg
    )


def forgot_to_load(msg, context):
    model = make_model()  # trains make_model()'s own weights, not the global ones
    config = msg.content["config"]
    local_train(model, X_LOCAL, Y_LOCAL, lr=config["lr"], epochs=config["local-epochs"], loss="cross_entropy")
    return _reply(model, msg)


def did_not_train(msg, context):
    model = make_model()
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    return _reply(model, msg)


def own_learning_rate(msg, context):
    model = make_model()
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    local_train(model, X_LOCAL, Y_LOCAL, lr=0.1, epochs=1, loss="cross_entropy")
    return _reply(model, msg)


def counts_batches(msg, context):
    model = make_model()
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    config = msg.content["config"]
    local_train(model, X_LOCAL, Y_LOCAL, lr=config["lr"], epochs=config["local-epochs"], loss="cross_entropy")
    return _reply(model, msg, n=1)


def returns_state_dict(msg, context):
    model = make_model()
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    return model.state_dict()


def by_hand_sgd(msg, context):
    """Right: the same full-batch SGD written out with torch.optim.SGD instead of local_train."""
    import torch

    model = make_model()
    model.load_state_dict(msg.content["arrays"].to_torch_state_dict())
    optimiser = torch.optim.SGD(model.parameters(), lr=msg.content["config"]["lr"])
    for _ in range(int(msg.content["config"]["local-epochs"])):
        optimiser.zero_grad()
        torch.nn.functional.cross_entropy(model(X_LOCAL), Y_LOCAL).backward()
        optimiser.step()
    return _reply(model, msg, n=int(Y_LOCAL.shape[0]))


BANK = {
    "q1": {
        "wrong": [
            ("trains make_model()'s weights, never loads the global ones", forgot_to_load, "load"),
            ("sends back what it received", did_not_train, "train"),
            ("its own learning rate and one epoch", own_learning_rate, "config"),
            ("num-examples = 1", counts_batches, "num-examples"),
            ("returns a state_dict, not a Message", returns_state_dict, "Message"),
        ],
        "right": [("torch.optim.SGD by hand", by_hand_sgd)],
    },
    "q2": {
        "wrong": [
            ("one client's model", 9640, "one client"),
            ("values, not bytes", 7230, "4 bytes"),
            ("both directions", 57840, "both directions"),
            ("weights without biases", 28416, "biases"),
        ],
        "right": [("as a float", 28920.0)],
    },
    "q3": {
        "wrong": [
            ("only the round with a reported failure", [3], "round 2"),
            ("only the round after the kill", [2], "round 3"),
            ("every round", [1, 2, 3], "round 1"),
        ],
        "right": [("a tuple", (2, 3))],
    },
}
