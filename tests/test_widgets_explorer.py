"""The convergence explorer, driven without a browser: set a control, check what it computed."""

import numpy as np
import pytest

from fedlearn_edu.data import label_counts
from fedlearn_edu.widgets.explorer import ExplorerWidget, describe, explorer


@pytest.fixture(scope="module")
def widget():
    return ExplorerWidget(rounds=5)


def test_starts_with_one_run_of_the_defaults(widget):
    run = widget.runs[-1]
    assert run.settings["partition"] == "iid" and "alpha" not in run.settings
    assert run.history.config["K"] == 100 and run.history.config["E"] == 5
    assert run.history.rounds == 5 and widget.png.startswith(b"\x89PNG")
    assert widget.alpha.disabled and widget.shards.disabled


def test_each_change_reruns_and_keeps_earlier_runs(widget):
    before, png = len(widget.runs), widget.png
    widget.E.value = 1
    assert len(widget.runs) == before + 1 and widget.runs[-1].history.config["E"] == 1
    assert widget.png != png
    assert widget.labels()[-2:] == ["E=5", "E=1"]
    assert "final test accuracy" in widget.status.value


def test_partition_controls_change_the_heatmap(widget):
    widget.partition.value = "shards"
    assert not widget.shards.disabled and widget.alpha.disabled
    shards = label_counts(widget.parts, widget.data.y_train)
    assert (shards > 0).sum(
        1
    ).mean() < 2.5  # two shards per client: about two labels (a shard may straddle two)
    widget.partition.value = "dirichlet"
    widget.alpha.value = 100.0
    mixed = label_counts(widget.parts, widget.data.y_train)
    assert (mixed > 0).sum(1).mean() > 7  # large alpha: close to IID
    assert widget.runs[-1].settings["alpha"] == 100.0


def test_keeps_at_most_keep_runs_and_clear_forgets_them(widget):
    for k in (20, 30, 40, 50, 60, 70):
        widget.K.value = k
    assert len(widget.runs) == widget.keep
    assert [r.settings["K"] for r in widget.runs] == [30, 40, 50, 60, 70]
    widget.clear_button.click()
    assert len(widget.runs) == 1 and widget.runs[0].settings["K"] == 70


def test_impossible_settings_are_reported_not_raised():
    w = ExplorerWidget(rounds=2)
    w.partition.value = "shards"
    w.shards.value = 5
    w.K.value = 500  # 500 clients x 5 shards > 1347 examples
    assert "Cannot run" in w.status.value and "examples" in w.status.value
    assert w.runs[-1].settings["K"] == 100  # the last good run stays on screen


def test_full_batch_label_and_the_function():
    assert describe({"B": None, "E": 2}, ["E", "B"]) == "E=2, B=∞"
    w = explorer(rounds=2, B=None, partition="dirichlet", alpha=0.1)
    assert w.runs[-1].history.config["B"] is None
    assert np.isclose(w.runs[-1].settings["alpha"], 0.1)
    assert "Convergence explorer" in w._repr_mimebundle_()["text/plain"]
