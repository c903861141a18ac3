"""The robustness widget, driven without a browser, and lesson 07's figures."""

import numpy as np
import pytest

from fedlearn_edu.attacks import AttackResult
from fedlearn_edu.plots.robustness import (
    AGGREGATOR_COLOURS,
    plot_aggregates_1d,
    plot_attack_grid,
    plot_benign_cost,
    plot_triggered,
)
from fedlearn_edu.widgets.robustness import RobustnessWidget, robustness_widget


@pytest.fixture(scope="module")
def widget():
    return robustness_widget(fraction=0.2)


def test_default_shows_sign_flipping(widget):
    assert list(widget.results) == list(AGGREGATOR_COLOURS)
    assert widget.results["FedAvg"].accuracy < 0.5 < 0.8 < widget.results["median"].accuracy
    assert widget.png.startswith(b"\x89PNG") and widget.image.value == widget.png
    assert "4 of 20 clients attacking" in widget.status.value
    assert not widget.fraction.continuous_update


def test_switching_to_the_backdoor(widget):
    widget.attack.value = "backdoor"  # fires the observer: six runs, redraw
    assert {r.attack for r in widget.results.values()} == {"backdoor"}
    assert widget.results["FedAvg"].backdoor_success > 0.7 > widget.results["Krum"].backdoor_success
    assert "backdoor" in widget.status.value


def test_no_attackers_is_one_cached_run_for_every_attack(widget):
    widget.fraction.value = 0.0
    first = dict(widget.results)
    assert {r.attack for r in first.values()} == {"none"} and "no attackers" in widget.status.value
    widget.attack.value = "label_flip"
    assert all(widget.results[k] is first[k] for k in first)


def test_results_can_be_handed_in():
    fake = [AttackResult(name, "sign_flip", 0.2, 0.5, 0.0) for name in AGGREGATOR_COLOURS]
    w = RobustnessWidget(results=fake)
    assert all(w.results[name] is r for name, r in zip(AGGREGATOR_COLOURS, fake))
    assert "sign flipping" in w._repr_mimebundle_()["text/plain"]


def test_figures():
    ax = plot_aggregates_1d([1.0, 1.1, 5.0], {"FedAvg": 2.4, "median": 1.1}, title="t")
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [2.4, 1.1]
    rows = [AttackResult(n, "none", 0.0, 0.9, 0.0) for n in ("FedAvg", "Krum")]
    rows += [
        AttackResult(n, a, 0.2, 0.5, 0.3)
        for n in ("FedAvg", "Krum")
        for a in ("label_flip", "sign_flip", "backdoor")
    ]
    fig = plot_attack_grid(rows, title="t")
    assert len(fig.axes) == 4
    line = fig.axes[3].get_lines()[0]  # backdoor success, FedAvg: from 0 at no attack to 0.3
    assert list(line.get_xdata()) == [0.0, 0.2] and list(line.get_ydata()) == [0.0, 0.3]
    ax = plot_benign_cost(
        {"IID": {"FedAvg": 0.9, "Krum": 0.8}, "non-IID": {"FedAvg": 0.85, "Krum": 0.3}}, title="t"
    )
    assert len(ax.patches) == 4
    fig = plot_triggered(np.zeros((3, 64)), np.ones((3, 64)), title="t")
    assert len(fig.axes) == 6
