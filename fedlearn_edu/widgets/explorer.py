"""The convergence explorer of lesson 04: choose a partition and FedAvg's knobs, run, compare.

Controls: the partition (IID, Dirichlet(α) label skew, or McMahan's shards), the number of
clients K, the fraction C that trains each round, local epochs E, local batch size B, the learning
rate and the number of rounds. Every change re-runs FedAvg on the digits with the fast engine and
adds the run's test-accuracy curve to the picture; earlier runs stay on screen (up to
``keep``) so you can compare, each labelled by the settings in which the runs differ. Beside the
curves: the clients x labels heatmap of the current partition. "Clear" forgets the earlier runs.

The picture is drawn off-screen and shown as a PNG, so a test can drive the widget without a
browser (setting a control's value runs its observer at once):

>>> w = ExplorerWidget()
>>> w.E.value = 1
>>> len(w.runs), w.runs[-1].history.config["E"]
(2, 1)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from fedlearn_edu.data import Dataset, load_digits, partition
from fedlearn_edu.i18n import N_, t
from fedlearn_edu.plots import figure_png, style
from fedlearn_edu.plots.curves import plot_curves
from fedlearn_edu.plots.partitions import plot_label_heatmap, sorted_by_main_label
from fedlearn_edu.simulation import History, run_fedavg

__all__ = ["ExplorerWidget", "Run", "explorer"]

# Option labels are translated where the widget is made; the values stay the code's names.
PARTITIONS = [
    ("IID", "iid"),
    (N_("Dirichlet α (label skew)"), "dirichlet"),
    (N_("shards (McMahan)"), "shards"),
]
BATCHES = [("1", 1), ("5", 5), ("10", 10), ("20", 20), ("50", 50), (N_("∞ (full batch)"), None)]
NAMES = {"partition": "", "alpha": "α=", "shards": "shards/client=", "K": "K=", "C": "C=", "E": "E=", "B": "B=",
         "lr": "lr=", "rounds": "R=", "seed": "seed="}  # fmt: skip


@dataclass
class Run:
    """One run of the explorer: its settings and the :class:`History` it produced."""

    settings: dict[str, Any]
    history: History


def describe(settings: dict[str, Any], keys: list[str]) -> str:
    """A short label made of the given settings, e.g. ``"dirichlet α=0.1, E=5"``."""
    parts = []
    for key in keys:
        value = settings[key]
        if key == "B" and value is None:
            value = "∞"
        parts.append(f"{NAMES[key]}{value}")
    return ", ".join(parts) or t("run")


def _relevant(settings: dict[str, Any]) -> dict[str, Any]:
    """The settings that matter (α only for Dirichlet, shards only for shards)."""
    return {
        k: v
        for k, v in settings.items()
        if not (k == "alpha" and settings["partition"] != "dirichlet")
        and not (k == "shards" and settings["partition"] != "shards")
    }


class ExplorerWidget:
    """Controls, the kept runs, and the picture. State a test can read: ``runs`` (kept runs, last is
    current), ``parts`` (the current partition), ``png`` (the last picture), ``redraw_seconds``."""

    def __init__(self, *, data: Dataset | None = None, keep: int = 5, **start: Any):
        self.data = data if data is not None else load_digits(seed=0)
        self.keep = keep
        s = {"continuous_update": False, "style": {"description_width": "95px"}}
        self.partition = widgets.Dropdown(
            options=[(t(label), value) for label, value in PARTITIONS],
            value="iid",
            description=t("partition"),
            style=s["style"],
        )
        self.alpha = widgets.FloatLogSlider(
            value=0.5, base=10, min=-2, max=2, step=0.25, description=t("α (Dirichlet)"), **s
        )
        self.shards = widgets.IntSlider(value=2, min=1, max=5, description=t("shards/client"), **s)
        self.K = widgets.IntSlider(value=100, min=2, max=500, description=t("clients K"), **s)
        self.C = widgets.FloatSlider(
            value=0.1, min=0.01, max=1.0, step=0.01, description=t("fraction C"), **s
        )
        self.E = widgets.IntSlider(value=5, min=1, max=20, description=t("local epochs E"), **s)
        self.B = widgets.Dropdown(
            options=[(t(label), value) for label, value in BATCHES],
            value=10,
            description=t("batch size B"),
            style=s["style"],
        )
        self.lr = widgets.FloatLogSlider(
            value=0.1, base=10, min=-2, max=0, step=0.1, description=t("learning rate"), **s
        )
        self.rounds = widgets.IntSlider(value=30, min=1, max=200, description=t("rounds"), **s)
        self.seed = widgets.BoundedIntText(
            value=0, min=0, max=10_000, description=t("seed"), style=s["style"]
        )
        self.clear_button = widgets.Button(description=t("Clear earlier runs"), icon="eraser")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        for name, value in start.items():
            getattr(self, name).value = value
        self.runs: list[Run] = []
        self.parts: list[np.ndarray] = []
        self._parts_key: tuple | None = None
        self.png, self.redraw_seconds = b"", 0.0
        with style():
            self.figure = Figure(figsize=(12.5, 4.6), dpi=80)
            self.figure.subplots(1, 2, width_ratios=[1.6, 1])
        self.figure.subplots_adjust(left=0.06, right=0.97, bottom=0.13, top=0.88, wspace=0.22)
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.clear_button.on_click(lambda _: self.clear())
        column = widgets.Layout(width="360px")
        self.box = widgets.VBox([
            widgets.HBox([
                widgets.VBox([self.partition, self.alpha, self.shards, self.seed], layout=column),
                widgets.VBox([self.K, self.C, self.E, self.B], layout=column),
                widgets.VBox([self.lr, self.rounds, self.clear_button], layout=column),
            ]),
            self.status,
            self.image,
        ])  # fmt: skip
        self.run()

    @property
    def controls(self) -> list[widgets.ValueWidget]:
        return [
            self.partition,
            self.alpha,
            self.shards,
            self.K,
            self.C,
            self.E,
            self.B,
            self.lr,
            self.rounds,
            self.seed,
        ]

    def settings(self) -> dict[str, Any]:
        """The controls' values."""
        return {
            "partition": self.partition.value, "alpha": round(self.alpha.value, 4), "shards": self.shards.value,
            "K": self.K.value, "C": round(self.C.value, 4), "E": self.E.value, "B": self.B.value,
            "lr": round(self.lr.value, 4), "rounds": self.rounds.value, "seed": self.seed.value,
        }  # fmt: skip

    def _partition(self, s: dict[str, Any]) -> list[np.ndarray]:
        options = {"dirichlet": {"alpha": s["alpha"]}, "shards": {"shards_per_client": s["shards"]}}
        key = (s["partition"], s["K"], s["seed"], tuple(options.get(s["partition"], {}).values()))
        if key != self._parts_key:
            self.parts = partition(
                s["partition"], self.data.y_train, s["K"], seed=s["seed"], **options.get(s["partition"], {})
            )
            self._parts_key = key
        return self.parts

    def run(self) -> Run | None:
        """Run FedAvg with the controls' values, keep the run, redraw. Errors are shown, not raised."""
        start = time.perf_counter()
        s = self.settings()
        self.alpha.disabled = s["partition"] != "dirichlet"
        self.shards.disabled = s["partition"] != "shards"
        try:
            parts = self._partition(s)
            history = run_fedavg(
                self.data, parts, rounds=s["rounds"], C=s["C"], E=s["E"], B=s["B"], lr=s["lr"], seed=s["seed"],
                progress=False,
            )  # fmt: skip
        except ValueError as err:  # e.g. more shards than examples: say so where the student looks
            self.status.value = f"<b>{t('Cannot run:')}</b> {err}"
            return None
        run = Run(_relevant(s), history)
        self.runs = [*self.runs[-(self.keep - 1) :], run] if self.keep > 1 else [run]
        self.draw()
        self.redraw_seconds = time.perf_counter() - start
        final = history.final_accuracy
        values = {
            "n": len(self.runs),
            "settings": describe(run.settings, list(run.settings)),
            "accuracy": final,
            "sent": history.values_up[-1],
        }
        text = (
            t(
                "run {n}: {settings} → final test accuracy {accuracy:.1%} (diverged: lower the learning rate); "
                "{sent:,} values sent up per round",
                **values,
            )
            if math.isnan(final)
            else t(
                "run {n}: {settings} → final test accuracy {accuracy:.1%}; {sent:,} values sent up per round",
                **values,
            )
        )
        self.status.value = f"<code>{text}</code>"
        return run

    def labels(self) -> list[str]:
        """A label per kept run, naming only the settings in which the kept runs differ."""
        keys = [k for k in NAMES if len({str(r.settings.get(k)) for r in self.runs}) > 1]
        return [describe(r.settings, [k for k in keys if k in r.settings]) for r in self.runs]

    def draw(self) -> None:
        """Redraw the curves of the kept runs (current run last, black) and the current heatmap."""
        curves, heat = self.figure.axes[:2]
        for extra in self.figure.axes[2:]:
            extra.remove()
        curves.clear()
        heat.clear()
        with style():
            labels = self.labels()
            runs = [r.history for r in self.runs][::-1]  # current first: black, on top of the legend
            plot_curves(
                runs, labels[::-1], curves, title=t("Test accuracy of the last {n} run(s)", n=len(runs))
            )
            curves.set_ylim(0, 100)
            ordered = sorted_by_main_label(self.parts, self.data.y_train)
            plot_label_heatmap(ordered, self.data.y_train, heat, colorbar=False)
            heat.set_ylabel(t("client (sorted by main label)"))
        self.png = figure_png(self.figure)
        self.image.value = self.png

    def clear(self) -> None:
        """Forget every run but the current one, and redraw."""
        self.runs = self.runs[-1:]
        self.draw()

    def _on_change(self, change: dict) -> None:
        self.run()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.box._repr_mimebundle_(**kwargs)
        last = self.runs[-1].history if self.runs else None
        bundle["text/plain"] = t(
            "Convergence explorer: its controls appear in a running Jupyter notebook. Current run: {run}",
            run=last,
        )
        return bundle


def explorer(**start: Any) -> ExplorerWidget:
    """Make the explorer (display it by leaving it last in a cell); keywords set starting values,
    e.g. ``explorer(partition="dirichlet", alpha=0.1)``."""
    return ExplorerWidget(**start)
