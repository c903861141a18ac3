"""Lesson 06's figures draw what they are given."""

import numpy as np

from fedlearn_edu.plots.privacy import (
    plot_accuracy_vs_epsilon,
    plot_defence_errors,
    plot_dp_runs,
    plot_masked_update,
    plot_reconstruction,
)
from fedlearn_edu.simulation import History


def test_reconstruction_titles_carry_the_error():
    fig = plot_reconstruction(np.zeros(64), {0: np.ones(64), 5: np.zeros(64)}, title="t")
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["the client's\nimage", "iteration 0\nerror 1.000", "iteration 5\nerror 0.000"]


def test_defence_panels_and_baseline():
    fig = plot_defence_errors(
        {"B": ([1, 8], [[0.0, 0.0], [0.1, 0.2]]), "σ": ([0, 1], [[0.0], [0.3]])}, baseline=0.07, title="t"
    )
    assert len(fig.axes) == 2
    mean_line = fig.axes[0].get_lines()[0]
    assert np.allclose(mean_line.get_ydata(), [0.0, 0.15])
    assert fig.axes[0].get_lines()[1].get_ydata()[0] == 0.07


def test_accuracy_vs_epsilon_and_runs():
    ax = plot_accuracy_vs_epsilon(
        {"100 clients": ([0.8, 2.0, 6.0], [0.7, 0.8, 0.9])}, references={"100 clients": 0.92}, title="t"
    )
    assert ax.get_xscale() == "log" and ax.get_ylim()[0] == 0.6
    histories = [
        History({"label": "a"}, test_accuracy=[0.1, 0.5]),
        History({"label": "b"}, test_accuracy=[0.1, 0.7]),
    ]
    ax = plot_dp_runs(histories, title="t")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_masked_update_is_scaled_to_unit_interval():
    fig = plot_masked_update(np.array([1.0, -1.0]), np.array([0, 2**63], dtype=np.uint64), title="t")
    heights = [p.get_height() for p in fig.axes[1].patches]
    assert heights == [0.0, 0.5]
