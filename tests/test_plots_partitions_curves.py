"""Figures of lesson 04: partition heatmaps and client sizes, accuracy curves, rounds to target."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fedlearn_edu.data import dirichlet_partition, iid_partition, label_counts
from fedlearn_edu.plots.curves import plot_curves, plot_rounds_to_target
from fedlearn_edu.plots.partitions import (
    heatmap_title,
    plot_label_heatmap,
    plot_partition,
    sorted_by_main_label,
)
from fedlearn_edu.simulation.history import History

LABELS = np.repeat(np.arange(10), 30)


def test_heatmap_shows_the_counts_and_states_the_skew():
    parts = dirichlet_partition(LABELS, 12, alpha=0.05, seed=0)
    ax = plot_label_heatmap(parts, LABELS)
    image = ax.get_images()[0].get_array()
    assert np.array_equal(image, label_counts(parts, LABELS))
    assert ax.get_xlabel() == "label" and ax.get_ylabel() == "client"
    assert ax.get_title() == heatmap_title(label_counts(parts, LABELS))
    assert heatmap_title(np.array([[3, 0], [0, 2], [1, 1]])) == "A client holds 1 of 2 labels (median)"
    plt.close("all")


def test_partition_figure_and_sorting():
    parts = dirichlet_partition(LABELS, 20, alpha=0.1, seed=1)
    ordered = sorted_by_main_label(parts, LABELS)
    main = label_counts(ordered, LABELS).argmax(1)
    assert np.all(np.diff(main) >= 0)  # rows grouped by main label
    assert sorted(map(len, ordered)) == sorted(map(len, parts))  # same clients, new order
    fig = plot_partition(parts, LABELS, sort=True, title="skew")
    heat, bars = fig.axes[0], fig.axes[1]
    assert heat.get_ylabel() == "client (sorted by main label)"
    widths = [p.get_width() for p in bars.patches]
    assert widths == [len(p) for p in ordered]
    assert fig._suptitle.get_text() == "skew"
    plt.close("all")


def runs():
    return [
        History({"E": 1, "B": None}, test_accuracy=[0.1, 0.5, 0.7, 0.8], test_loss=[2.3, 1.0, 0.7, 0.5]),
        History({"E": 5, "B": 10}, test_accuracy=[0.1, 0.8, 0.92, 0.95], test_loss=[2.3, 0.6, 0.3, 0.2]),
    ]


def test_curves_draw_every_run_in_percent_with_a_finding_title():
    ax = plot_curves(runs(), target=0.9)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines[:2]] == ["E=1, B=∞", "E=5, B=10"]
    assert list(lines[1].get_ydata()) == [10.0, 80.0, 92.0, 95.0]
    assert lines[2].get_ydata()[0] == 90.0  # the target line
    assert ax.get_title() == "Best final test accuracy: E=5, B=10 (95.0%)"
    assert ax.get_ylabel() == "test accuracy (%)"
    loss = plot_curves(runs(), ["a", "b"], metric="loss")
    assert loss.get_yscale() == "log" and "loss" in loss.get_ylabel()
    with pytest.raises(ValueError, match="one label per run"):
        plot_curves(runs(), ["only one"])
    with pytest.raises(ValueError, match="metric"):
        plot_curves(runs(), metric="f1")
    plt.close("all")


def test_rounds_to_target_bars_and_not_reached():
    ax = plot_rounds_to_target(runs(), 0.9, labels=["FedSGD", "FedAvg"])
    assert [p.get_width() for p in ax.patches] == [3, 2]  # FedSGD never reached it: hatched, full length
    assert ax.patches[0].get_hatch() == "//"
    assert any("not reached in 3" in t.get_text() for t in ax.texts)
    assert ax.get_title() == "Rounds to reach 90% test accuracy: FedAvg is fastest (2)"
    none = plot_rounds_to_target(runs(), 0.99)
    assert none.get_title() == "No run reached 99% test accuracy"
    plt.close("all")


def test_iid_heatmap_is_even():
    counts = label_counts(iid_partition(LABELS, 10, seed=0), LABELS)
    assert heatmap_title(counts) == "A client holds 10 of 10 labels (median)"
