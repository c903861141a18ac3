"""The convergence widget, driven without a browser, and the figures it draws."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from fedlearn_edu.plots import figure_png
from fedlearn_edu.plots.convergence import (
    LOSS_FLOOR,
    convergence_figure,
    plot_convergence,
    plot_loss_comparison,
    plot_pooled_loss,
    plot_trajectories,
)
from fedlearn_edu.two_workers import article_model, train_two_workers
from fedlearn_edu.widgets.convergence import ConvergenceWidget, convergence_widget


@pytest.fixture(scope="module")
def widget():
    return ConvergenceWidget()


def _global_line(fig_or_ax):
    """(x, y) of the global model's path in the (w1, w2) panel."""
    plane = fig_or_ax.axes[1] if hasattr(fig_or_ax, "subfigs") else fig_or_ax
    (line,) = [ln for ln in plane.get_lines() if ln.get_label() == "global model"]
    return np.asarray(line.get_xdata()), np.asarray(line.get_ydata())


def _loss_line(fig):
    return np.asarray(fig.axes[0].get_lines()[0].get_ydata())


def test_default_widget_runs_the_article_experiment(widget):
    assert widget.settings() == {
        "rounds": 10,
        "local_steps": 10,
        "lr": 0.1,
        "weighting": "equal",
        "bob_copies": 1,
    }
    assert widget.history.rounds_done == 10
    assert widget.png.startswith(b"\x89PNG") and widget.image.value == widget.png
    assert "equal weights" in widget.status.value
    assert [c.description for c in widget.controls] == [
        "rounds",
        "local steps",
        "lr",
        "weighting",
        "bob's data ×",
    ]
    assert all(not getattr(c, "continuous_update", False) for c in widget.controls)


def test_redraw_seconds_times_the_whole_redraw_run_plot_and_picture(monkeypatch):
    """A fake clock that only the redraw's three steps move: redraw_seconds must be their sum, every time."""
    import types

    import fedlearn_edu.widgets.convergence as module

    clock = [1000.0]

    def costs(seconds, real):
        def step(*args, **kwargs):
            clock[0] += seconds
            return real(*args, **kwargs)

        return step

    monkeypatch.setattr(module, "time", types.SimpleNamespace(perf_counter=lambda: clock[0]))
    monkeypatch.setattr(module, "train_two_workers", costs(2.0, module.train_two_workers))
    monkeypatch.setattr(module, "plot_convergence", costs(0.25, module.plot_convergence))
    monkeypatch.setattr(module, "figure_png", costs(0.5, module.figure_png))
    w = ConvergenceWidget()
    assert w.redraw_seconds == 2.75
    w.local_steps.value = 1  # a slider's redraw is timed the same way, not added to the first one
    assert w.redraw_seconds == 2.75 and clock[0] == 1000.0 + 2 * 2.75


@pytest.mark.parametrize(
    ("control", "value", "setting"),
    [("local_steps", 1, "local_steps"), ("lr", 0.05, "lr"), ("rounds", 4, "rounds")],
)
def test_moving_a_slider_reruns_and_redraws(control, value, setting):
    w = ConvergenceWidget()
    history, png, path, loss = w.history, w.png, _global_line(w.figure), _loss_line(w.figure)
    getattr(w, control).value = value  # fires the observer, as a browser would
    assert w.history is not history and w.history.settings[setting] == value
    assert w.history.pooled_loss != history.pooled_loss
    assert w.png != png and w.image.value == w.png
    new_path, new_loss = _global_line(w.figure), _loss_line(w.figure)
    assert new_path[0].shape != path[0].shape or not np.allclose(new_path, path)
    assert new_loss.shape != loss.shape or not np.allclose(new_loss, loss)
    assert len(w.figure.axes) == 2  # redrawn in place, not stacked


def test_weighting_toggle_changes_nothing_with_the_articles_equal_counts_but_does_with_more_bob_data():
    w = ConvergenceWidget()
    equal = w.history
    w.weighting.value = "samples"
    assert w.history.settings["weighting"] == "samples"
    assert np.allclose(w.history.pooled_loss, equal.pooled_loss)
    w.bob_copies.value = 2
    by_size = w.history
    w.weighting.value = "equal"
    assert not np.allclose(w.history.pooled_loss, by_size.pooled_loss)
    assert "bob's data ×2" in w.figure.texts[0].get_text()


def test_a_diverging_setting_says_so():
    w = ConvergenceWidget(lr=0.1)
    w.lr.value = 0.5
    assert w.history.diverged_in is not None
    assert "DIVERGED" in w.status.value
    assert w.figure.axes[0].get_title().startswith("Diverged in round")


def test_convergence_widget_function_and_display():
    w = convergence_widget(rounds=3, local_steps=2)
    assert w.history.settings["rounds"] == 3 and w.history.settings["local_steps"] == 2
    assert w.box.children[-1] is w.image
    bundle = w._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == w.box.model_id
    assert bundle["text/plain"].startswith("Convergence widget: its sliders appear in a running Jupyter")
    assert "3 rounds x 2 local steps" in bundle["text/plain"]  # readable where widgets are not drawn


# --- the figures ---------------------------------------------------------------------------------------


def test_loss_figure_is_log_scale_with_labels_and_a_finding_title():
    history = train_two_workers(article_model(seed=5))
    ax = plot_pooled_loss(history)
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "round" and "pooled loss" in ax.get_ylabel()
    assert ax.get_title() == "Pooled loss falls from 2.38 to 1.5e-03 in 10 rounds"
    assert np.allclose(ax.get_lines()[0].get_ydata(), history.pooled_loss)
    plt.close("all")


def test_zero_loss_is_drawn_at_the_floor():
    history = train_two_workers(article_model(seed=5), rounds=50, local_steps=100)
    ax = plot_pooled_loss(history)
    assert min(ax.get_lines()[0].get_ydata()) >= LOSS_FLOOR
    plt.close("all")


def test_trajectory_figure_shows_both_lines_the_optimum_and_every_round():
    history = train_two_workers(article_model(seed=5), rounds=6)
    ax = plot_trajectories(history)
    labels = [ln.get_label() for ln in ax.get_lines()]
    for label in ["global model", "bob after local training", "alice after local training", "pooled optimum"]:
        assert label in labels
    assert len(ax.collections) == 2  # one set of drift segments per worker
    assert [len(c.get_segments()) for c in ax.collections] == [6, 6]
    xs, ys = _global_line(ax)
    assert len(xs) == len(ys) == 7
    assert ax.get_title().startswith("Each worker drifts towards its own line")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 < 0 < x1 and y0 < 1 < y1  # the optimum is in view
    assert ax.get_legend() is not None
    assert plot_trajectories(history, legend=False, title="mine").get_legend() is None
    plt.close("all")


def test_a_diverging_run_keeps_the_optimum_and_start_in_view():
    history = train_two_workers(article_model(seed=5), lr=0.3)
    ax = plot_trajectories(history)
    assert ax.get_xlim()[1] - ax.get_xlim()[0] < 10  # not squashed to fit 1e20
    assert "overshoots" in ax.get_title()
    plt.close("all")


def test_plot_convergence_reuses_a_figure_and_renders_to_png():
    fig = convergence_figure()
    plot_convergence(train_two_workers(article_model(seed=5), rounds=2), fig)
    plot_convergence(train_two_workers(article_model(seed=5), rounds=3), fig)
    assert len(fig.axes) == 2 and len(_global_line(fig)[0]) == 4
    assert figure_png(fig).startswith(b"\x89PNG")
    new = plot_convergence(train_two_workers(article_model(seed=5), rounds=2))
    assert len(new.axes) == 2
    ax = plot_loss_comparison(
        [train_two_workers(article_model(5), local_steps=k) for k in (1, 10)],
        ["1 step", "10 steps"],
        title="More local steps, faster progress per round",
    )
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["1 step", "10 steps"]
    plt.close("all")


def test_in_place_redraw_draws_exactly_what_a_fresh_drawing_does():
    w = ConvergenceWidget()
    axes, legend = list(w.figure.axes), w.figure.axes[1].get_legend()
    w.local_steps.value = 1
    w.rounds.value = 20
    w.lr.value = 0.3
    assert list(w.figure.axes) == axes and w.figure.axes[1].get_legend() is legend  # updated, not rebuilt
    w.lr.value, w.local_steps.value, w.rounds.value = 0.1, 10, 10
    assert w.png == ConvergenceWidget().png  # back at the defaults: the very same picture
    fresh = convergence_figure()
    plot_convergence(train_two_workers(article_model(seed=5), rounds=20, local_steps=1), fresh)
    w.rounds.value, w.local_steps.value = 20, 1
    assert w.png == figure_png(fresh)
