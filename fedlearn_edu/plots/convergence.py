"""Figures of the article's two-worker run (lesson 03): the pooled loss per round, and the drift of
bob, alice and the global model in the (w1, w2) plane.

Each function draws one history from :func:`fedlearn_edu.two_workers.train_two_workers` on an
``Axes`` (a new figure if none is given) and returns it; titles state what the run shows.

>>> from fedlearn_edu.two_workers import article_model, train_two_workers
>>> fig = plot_convergence(train_two_workers(article_model(seed=5)))
>>> [ax.get_xlabel() for ax in fig.axes]
['round', 'w₁ (weight of input x₁)']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from fedlearn_edu.i18n import t
from fedlearn_edu.plots import COLOURS, SIZES, WIDTHS, style
from fedlearn_edu.two_workers import WEIGHTING_NAMES

__all__ = [
    "convergence_figure",
    "loss_title",
    "plot_convergence",
    "plot_loss_comparison",
    "plot_pooled_loss",
    "plot_trajectories",
    "trajectory_title",
]

LOSS_FLOOR = 1e-12  # float32 arithmetic cannot resolve smaller losses; drawn at the floor
FIGSIZE = (13.5, 5.0)
OPTIMUM = (0.0, 1.0)  # w1, w2 of the model that fits bob's and alice's data exactly (with b = 0)


def _new_axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    with style():
        return plt.subplots()[1]


def loss_title(history: Any) -> str:
    """A title stating what the loss curve shows."""
    loss, rounds = history.pooled_loss, history.rounds_done
    lr = history.settings["lr"]
    if history.diverged_in is not None:
        return t("Diverged in round {round}: lr {lr} is too large", round=history.diverged_in, lr=lr)
    if history.diverging:
        return t("The loss grows to {loss:.1e}: lr {lr} is too large", loss=loss[-1], lr=lr)
    return t(
        "Pooled loss falls from {start:.3g} to {end:.1e} in {rounds} rounds",
        start=loss[0],
        end=loss[-1],
        rounds=rounds,
    )


def _loss_points(history: Any) -> tuple[np.ndarray, np.ndarray]:
    rounds = np.arange(len(history.pooled_loss))
    return rounds, np.clip(np.asarray(history.pooled_loss, dtype=float), LOSS_FLOOR, None)


def _round_axis(ax: Axes, history: Any) -> None:
    ax.set_xlim(-0.3, max(history.settings.get("rounds", 1), history.rounds_done, 1) + 0.3)


@style()
def plot_pooled_loss(
    history: Any,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    colour: str | None = None,
    title: str | None = None,
) -> Axes:
    """The global model's loss on the pooled data after each round, on a log scale."""
    ax = _new_axes(ax)
    ax.semilogy(
        *_loss_points(history), marker="o", color=colour or COLOURS["global"], label=label, gid="loss"
    )
    _round_axis(ax, history)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(t("round"))
    ax.set_ylabel(t("pooled loss Σ(pred − y)²"))
    ax.set_title(loss_title(history) if title is None else title)
    if label is not None:
        ax.legend()
    return ax


def trajectory_title(history: Any) -> str:
    """A title stating what the (w1, w2) picture shows."""
    if history.diverging:
        return t("Each round overshoots:\nthe models fly away from the optimum")
    if history.rounds_done == 0:
        return t("No rounds yet:\nthe global model is where it started")
    end = history.trajectory("global")[-1][:2]
    gap = float(np.hypot(end[0] - OPTIMUM[0], end[1] - OPTIMUM[1]))
    return t("Each worker drifts towards its own line;\nthe global model ends {gap:.3f} from (0, 1)", gap=gap)


def _limits(points: np.ndarray, start: np.ndarray, reach: float = 2.0) -> tuple[tuple, tuple]:
    """Axis limits around the start, the optimum and the points near them.

    Points of a diverging run fly off the picture instead of squashing it to a dot.
    """
    points = points[np.all(np.isfinite(points), axis=1)]
    anchors = np.array([start, OPTIMUM])
    centre, size = anchors.mean(axis=0), np.ptp(anchors, axis=0)
    near = points[np.all(np.abs(points - centre) <= reach + size, axis=1)]
    box = np.vstack([anchors, near])
    low, high = box.min(axis=0), box.max(axis=0)
    pad = 0.08 * np.maximum(high - low, 0.5)
    return (low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])


def _plane_points(history: Any) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, list]]]:
    """The global path (w1, w2), and per worker its end points and its global -> worker segments."""
    glob = history.trajectory("global")[:, :2]
    workers = {}
    for name in history.worker_params:
        ends = history.trajectory(name)[:, :2]
        workers[name] = (ends, [[glob[r], end] for r, end in enumerate(ends)])
    return glob, workers


def _set_plane_limits(ax: Axes, glob: np.ndarray, workers: dict) -> None:
    points = np.vstack([glob, *(ends for ends, _ in workers.values())])
    xlim, ylim = _limits(points, glob[0])
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)


@style()
def plot_trajectories(
    history: Any, ax: Axes | None = None, *, title: str | None = None, legend: bool = True
) -> Axes:
    """bob, alice and the global model in the (w1, w2) plane, round by round (client drift).

    Each round draws a line from the global model to where each worker's local training took it;
    the next global point is their average.
    """
    ax = _new_axes(ax)
    ax.axvline(
        0.0, color=COLOURS["bob"], ls="--", lw=WIDTHS["reference"], label=t("bob's data fit exactly (w₁ = 0)")
    )
    ax.axhline(
        1.0,
        color=COLOURS["alice"],
        ls="--",
        lw=WIDTHS["reference"],
        label=t("alice's data fit exactly (w₂ = 1)"),
    )
    glob, workers = _plane_points(history)
    for name, (ends, segments) in workers.items():
        colour = COLOURS.get(name, COLOURS["client"])
        drift = LineCollection(
            segments, colors=colour, linewidths=WIDTHS["thin"], alpha=0.8, gid=f"{name} drift"
        )
        ax.add_collection(drift)
        ax.plot(
            *ends.T,
            "o",
            ms=6,
            color=colour,
            label=t("{name} after local training", name=name),
            gid=f"{name} ends",
        )
    ax.plot(
        *glob.T,
        "-o",
        ms=5,
        color=COLOURS["global"],
        lw=WIDTHS["reference"],
        label=t("global model"),
        gid="global",
    )
    ax.plot(*glob[0], "s", ms=9, color=COLOURS["global"], label=t("start"), gid="start")
    ax.plot(*OPTIMUM, "*", ms=18, color=COLOURS["optimum"], mec="white", zorder=5, label=t("pooled optimum"))
    _set_plane_limits(ax, glob, workers)
    ax.set_xlabel(t("w₁ (weight of input x₁)"))
    ax.set_ylabel(t("w₂ (weight of input x₂)"))
    ax.set_title(trajectory_title(history) if title is None else title)
    if legend:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return ax


def _update_in_place(fig: Figure, history: Any) -> bool:
    """Give the artists of an earlier ``plot_convergence`` the new history's data (much faster than
    drawing from scratch: axes, ticks and legend are kept). False if the figure has no such artists."""
    loss_ax, plane_ax = fig.axes
    found = {a.get_gid(): a for ax in fig.axes for a in (*ax.lines, *ax.collections) if a.get_gid()}
    glob, workers = _plane_points(history)
    needed = {"loss", "global", "start"} | {f"{n} {what}" for n in workers for what in ("ends", "drift")}
    if not needed <= found.keys():
        return False
    found["loss"].set_data(*_loss_points(history))
    loss_ax.relim()
    loss_ax.autoscale_view(scalex=False)
    _round_axis(loss_ax, history)
    loss_ax.set_title(loss_title(history))
    for name, (ends, segments) in workers.items():
        found[f"{name} ends"].set_data(*ends.T)
        found[f"{name} drift"].set_segments(segments)
    found["global"].set_data(*glob.T)
    found["start"].set_data(*glob[:1].T)
    _set_plane_limits(plane_ax, glob, workers)
    plane_ax.set_title(trajectory_title(history))
    return True


def plot_convergence(history: Any, fig: Figure | None = None) -> Figure:
    """Both pictures side by side: the pooled loss (left) and the drift in the (w1, w2) plane (right).

    With ``fig`` given, the figure is redrawn with the new history (this is how the convergence
    widget redraws; a figure without two axes gets them, placed by :func:`convergence_figure`'s rule).
    """
    with style():
        if fig is None:
            fig = plt.figure(figsize=FIGSIZE, layout="constrained")
        if len(fig.axes) != 2:
            fig.clear()
            fig.subplots(1, 2)
        if not _update_in_place(fig, history):
            for ax in fig.axes:
                ax.clear()
            plot_pooled_loss(history, fig.axes[0])
            plot_trajectories(history, fig.axes[1])
        fig.suptitle(_settings_title(history.settings), fontsize=SIZES["title"])
    return fig


def _settings_title(s: dict) -> str:
    """The run's settings as the figure's title: "10 rounds × 10 local steps, lr 0.1, equal weights"."""
    weighting = s["weighting"]
    values = {
        "rounds": s["rounds"],
        "steps": s["local_steps"],
        "lr": s["lr"],
        "weighting": t(WEIGHTING_NAMES[weighting]) if weighting in WEIGHTING_NAMES else weighting,
    }
    if s.get("bob_copies", 1) != 1:
        return t(
            "{rounds} rounds × {steps} local steps, lr {lr}, {weighting}, bob's data ×{copies}",
            copies=s["bob_copies"],
            **values,
        )
    return t("{rounds} rounds × {steps} local steps, lr {lr}, {weighting}", **values)


def convergence_figure() -> Figure:
    """An empty two-panel figure with fixed margins, outside pyplot (no inline duplicate).

    Fixed margins draw several times faster than a layout engine; the widget redraws this one.
    """
    with style():
        fig = Figure(figsize=FIGSIZE, dpi=plt.rcParams["figure.dpi"])
        fig.subplots(1, 2)
    fig.subplots_adjust(left=0.065, right=0.79, bottom=0.12, top=0.8, wspace=0.3)
    return fig


@style()
def plot_loss_comparison(histories: Sequence[Any], labels: Sequence[str], *, title: str) -> Axes:
    """Several runs' pooled loss on one log-scale axes (e.g. 1, 10 and 100 local steps)."""
    ax = _new_axes(None)
    colours = [COLOURS["unweighted"], COLOURS["global"], COLOURS["weighted"], COLOURS["centralised"]]
    for i, (history, label) in enumerate(zip(histories, labels, strict=True)):
        plot_pooled_loss(history, ax, label=label, colour=colours[i % len(colours)], title=title)
    return ax
