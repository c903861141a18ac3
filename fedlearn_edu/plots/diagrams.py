"""Lesson 01's picture: centralised learning moves the data; federated learning moves the model."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from fedlearn_edu.i18n import N_, t
from fedlearn_edu.plots import COLOURS, SIZES, WIDTHS, client_colour, style

DATA_COLOUR = "#D55E00"  # raw records: vermillion wherever they appear
MODEL_COLOUR = "#0072B2"  # parameters: blue wherever they travel


def _box(ax, x, y, w, h, label, colour, text_colour="black"):
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0.02,rounding_size=0.04",
            facecolor=colour,
            edgecolor="black",
            linewidth=WIDTHS["thin"],
            alpha=0.9,
        )
    )
    ax.text(x, y, label, ha="center", va="center", fontsize=SIZES["text"], color=text_colour, weight="bold")


def _arrow(ax, start, end, colour, label, offset=(0.0, 0.0)):
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=16, color=colour, linewidth=WIDTHS["data"]
        )
    )
    mid = ((start[0] + end[0]) / 2 + offset[0], (start[1] + end[1]) / 2 + offset[1])
    ax.text(
        *mid,
        label,
        ha="center",
        va="center",
        fontsize=SIZES["note"],
        color=colour,
        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
    )


def _records(ax, x, y):
    for dx in (-0.06, 0.0, 0.06):
        ax.add_patch(
            FancyBboxPatch(
                (x + dx - 0.02, y - 0.03),
                0.04,
                0.06,
                boxstyle="round,pad=0.005",
                facecolor=DATA_COLOUR,
                edgecolor="none",
            )
        )


@style()  # the kit's fonts and widths while the figure is made
def draw_centralised_vs_federated(
    names: Sequence[str] = (N_("hospital A"), N_("hospital B"), N_("hospital C")),
) -> plt.Figure:
    """Two panels: left, every site ships its records to one server; right, the server ships the
    model, the sites train where the data lives and ship back parameters only."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
    xs = [0.17, 0.5, 0.83]
    for ax, federated in zip(axes, (False, True)):
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.axis("off")
        server_colour = COLOURS["global"] if federated else COLOURS["centralised"]
        _box(ax, 0.5, 0.86, 0.5, 0.17, "", server_colour)
        ax.text(
            0.5,
            0.9,
            t("server"),
            ha="center",
            va="center",
            fontsize=SIZES["text"],
            weight="bold",
            color="white" if federated else "black",
        )
        for k, (x, name) in enumerate(zip(xs, names)):
            _box(ax, x, 0.2, 0.27, 0.2, "", client_colour(k))
            ax.text(x, 0.25, t(name), ha="center", va="center", fontsize=SIZES["text"], weight="bold")
            if federated:
                _records(ax, x, 0.15)
                top = 0.5 + (x - 0.5) * 0.45
                _arrow(
                    ax,
                    (top - 0.035, 0.76),
                    (x - 0.045, 0.31),
                    MODEL_COLOUR,
                    t("model"),
                    offset=(-0.045, 0.08),
                )
                _arrow(
                    ax,
                    (x + 0.045, 0.31),
                    (top + 0.035, 0.76),
                    MODEL_COLOUR,
                    t("params"),
                    offset=(0.05, -0.08),
                )
            else:
                _records(ax, 0.5 + (k - 1) * 0.2, 0.81)
                _arrow(ax, (x, 0.31), (0.5 + (x - 0.5) * 0.45, 0.76), DATA_COLOUR, t("raw records"))
        if federated:
            ax.text(
                0.5,
                0.02,
                t("the records never leave; only parameters travel"),
                ha="center",
                fontsize=SIZES["text"],
            )
            ax.set_title(t("Federated: the model goes to the data"))
        else:
            ax.text(0.5, 0.02, t("every record is copied to one place"), ha="center", fontsize=SIZES["text"])
            ax.set_title(t("Centralised: the data goes to the model"))
    fig.tight_layout()
    return fig


@style()
def draw_flower_deployment(n_nodes: int = 3) -> plt.Figure:
    """Lesson 09's picture: what runs where on Flower's deployment engine.

    One SuperLink (the long-running server process) runs the ServerApp for each run; one SuperNode per
    client (a long-running process next to the data) runs the ClientApp for each message. Messages
    (weights and a config) travel between them; `flwr run` only submits the App to the SuperLink.
    """
    fig, ax = plt.subplots(figsize=(10, 4.6))
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.08, 1)
    ax.axis("off")
    _box(ax, 0.2, 0.8, 0.26, 0.16, t("flwr run\n(you: submit the App)"), "#F0E442")
    _box(
        ax,
        0.55,
        0.8,
        0.3,
        0.2,
        t("SuperLink\nruns the ServerApp\n(strategy: FedAvg, ...)"),
        COLOURS["weighted"],
        "white",
    )
    _arrow(ax, (0.33, 0.8), (0.4, 0.8), "black", "")
    xs = [0.15 + 0.7 * i / max(1, n_nodes - 1) for i in range(n_nodes)]
    for k, x in enumerate(xs):
        _box(
            ax,
            x,
            0.22,
            0.24,
            0.2,
            t("SuperNode {k}\nruns the ClientApp\n(partition-id={k})", k=k),
            client_colour(k),
        )
        _records(ax, x, 0.06)
        _arrow(ax, (0.55 - 0.05 + 0.05 * k, 0.69), (x, 0.33), MODEL_COLOUR, t("weights + config") if k == 0 else "",
               offset=(-0.07, 0.0))  # fmt: skip
        _arrow(ax, (x + 0.03, 0.33), (0.55 + 0.05 * k - 0.02, 0.69), "#009E73", t("new weights") if k == n_nodes - 1 else "",
               offset=(0.07, 0.0))  # fmt: skip
    ax.text(0.5, -0.05, t("each SuperNode's data (vermillion) never leaves its process"), ha="center", fontsize=SIZES["note"],
            color=DATA_COLOUR)  # fmt: skip
    ax.set_title(t("Flower's deployment engine: what runs where"))
    fig.tight_layout()
    return fig
