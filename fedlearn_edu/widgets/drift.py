"""The drift explorer of lesson 05: pick algorithms, label skew and their knobs, run, compare.

Controls: the algorithms to run (FedAvg, FedProx, SCAFFOLD, FedAvgM; several at once), Dirichlet α
(label skew), local epochs E, FedProx's μ and FedAvgM's momentum. Every change runs each ticked
algorithm on the digits (K = 20 clients, 4 per round, B = 10, learning rate 0.05, 30 rounds, fast
engine) and adds its test-accuracy curve to the picture; earlier runs stay on screen (up to
``keep``). Beside the curves: the per-client accuracy histogram of the latest run -- each client
keeps 20 % of its examples as its own held-out data (:func:`fedlearn_edu.data.split_clients`,
``simulate(client_test=...)``).

The picture is drawn off-screen and shown as a PNG, so a test can drive the widget without a
browser (setting a control's value runs its observer at once):

>>> w = DriftExplorer(rounds=3)
>>> w.E.value = 1
>>> len(w.runs), w.runs[-1].settings["E"]
(2, 1)
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from fedlearn_edu.algorithms import Algorithm, FedAvg, FedAvgM, FedProx, Scaffold
from fedlearn_edu.data import Dataset, dirichlet_partition, load_digits, split_clients
from fedlearn_edu.i18n import t
from fedlearn_edu.plots import SIZES, figure_png, style
from fedlearn_edu.plots.curves import plot_curves
from fedlearn_edu.plots.drift import plot_client_accuracy
from fedlearn_edu.simulation import History, mlp, simulate

__all__ = ["DriftExplorer", "DriftRun", "drift_explorer", "make_algorithm"]

ALGORITHMS = ("FedAvg", "FedProx", "SCAFFOLD", "FedAvgM")
K, C, B, LR = 20, 0.2, 10, 0.05


def make_algorithm(name: str, *, mu: float = 0.1, momentum: float = 0.9) -> Algorithm:
    """The algorithm called ``name`` (one of :data:`ALGORITHMS`) with the explorer's knobs."""
    if name not in ALGORITHMS:
        raise ValueError(f"name must be one of {ALGORITHMS}; got {name!r}")
    return {"FedAvg": FedAvg, "FedProx": lambda: FedProx(mu=mu), "SCAFFOLD": Scaffold,
            "FedAvgM": lambda: FedAvgM(momentum=momentum)}[name]()  # fmt: skip


@dataclass
class DriftRun:
    """One run: its settings and its :class:`History` (with each client's accuracy at the end)."""

    settings: dict[str, Any]
    history: History

    @property
    def client_accuracy(self):
        """Each client's accuracy on its own held-out data at the end (``nan``: no held-out data)."""
        return self.history.client_accuracy[-1]

    def label(self) -> str:
        s = self.settings
        knob = {"FedProx": f", μ={s['mu']:g}", "FedAvgM": f", β={s['momentum']:g}"}.get(s["algorithm"], "")
        return f"{s['algorithm']}{knob}, α={s['alpha']:g}, E={s['E']}"


class DriftExplorer:
    """Controls, the kept runs and the picture. State a test can read: ``runs`` (kept runs, the last
    is the latest), ``png`` (the last picture), ``redraw_seconds`` (time of the last change)."""

    def __init__(self, *, data: Dataset | None = None, keep: int = 6, rounds: int = 30, **start: Any):
        self.data = data if data is not None else load_digits(seed=0)
        self.keep, self.rounds = keep, rounds
        s = {"continuous_update": False, "style": {"description_width": "95px"}}
        self.algorithms = widgets.SelectMultiple(
            options=ALGORITHMS, value=("FedAvg",), rows=4, description=t("algorithms"), style=s["style"]
        )
        self.alpha = widgets.FloatLogSlider(
            value=0.1, base=10, min=-1.5, max=2, step=0.25, description=t("α (Dirichlet)"), **s
        )
        self.E = widgets.IntSlider(value=2, min=1, max=10, description=t("local epochs E"), **s)
        self.mu = widgets.FloatSlider(value=0.1, min=0.0, max=1.0, step=0.05, description=t("FedProx μ"), **s)
        self.momentum = widgets.FloatSlider(
            value=0.9, min=0.0, max=0.99, step=0.01, description=t("FedAvgM β"), **s
        )
        self.clear_button = widgets.Button(description=t("Clear earlier runs"), icon="eraser")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        for name, value in start.items():
            getattr(self, name).value = value
        self.runs: list[DriftRun] = []
        self.png, self.redraw_seconds = b"", 0.0
        self._split_key: tuple | None = None
        with style():
            self.figure = Figure(figsize=(12.5, 4.6), dpi=80)
            self.figure.subplots(1, 2, width_ratios=[1.5, 1])
        self.figure.subplots_adjust(left=0.06, right=0.97, bottom=0.13, top=0.88, wspace=0.22)
        for control in self.controls:
            control.observe(lambda _: self.run(), names="value")
        self.clear_button.on_click(lambda _: self.clear())
        column = widgets.Layout(width="380px")
        self.box = widgets.VBox([
            widgets.HBox([
                widgets.VBox([self.algorithms, self.clear_button], layout=column),
                widgets.VBox([self.alpha, self.E, self.mu, self.momentum], layout=column),
            ]),
            self.status,
            self.image,
        ])  # fmt: skip
        self.run()

    @property
    def controls(self) -> list[widgets.ValueWidget]:
        return [self.algorithms, self.alpha, self.E, self.mu, self.momentum]

    def _split(self, alpha: float):
        key = (alpha,)
        if key != self._split_key:
            parts = dirichlet_partition(self.data.y_train, K, alpha=alpha, seed=0)
            self._split_cache = split_clients(parts, 0.2, seed=0)
            self._split_key = key
        return self._split_cache

    def run(self) -> list[DriftRun]:
        """Run each ticked algorithm with the controls' values, keep the runs, redraw."""
        start = time.perf_counter()
        if not self.algorithms.value:
            self.status.value = f"<b>{t('Tick at least one algorithm.')}</b>"
            return []
        alpha = round(self.alpha.value, 4)
        train_parts, held_out = self._split(alpha)
        model = mlp((64, 32, 10), seed=0)
        new = []
        for name in self.algorithms.value:
            settings = {"algorithm": name, "alpha": alpha, "E": self.E.value,
                        "mu": round(self.mu.value, 4), "momentum": round(self.momentum.value, 4)}  # fmt: skip
            algorithm = make_algorithm(name, mu=settings["mu"], momentum=settings["momentum"])
            history = simulate(self.data, train_parts, algorithm, model, rounds=self.rounds, C=C, E=settings["E"],
                               B=B, lr=LR, seed=0, progress=False, client_test=held_out)  # fmt: skip
            new.append(DriftRun(settings, history))
        self.runs = [*self.runs, *new][-self.keep :]
        self.draw()
        self.redraw_seconds = time.perf_counter() - start
        latest = self.runs[-1]
        summary = latest.history.client_stats()
        text = t(
            "{run} → global test accuracy {accuracy:.1%}; per client: mean {mean:.1%}, worst 10% {worst:.1%}",
            run=latest.label(),
            accuracy=latest.history.final_accuracy,
            mean=summary["mean"],
            worst=summary["worst10"],
        )
        self.status.value = f"<code>{text}</code>"
        return new

    def draw(self) -> None:
        """Redraw the kept runs' curves (latest first, black) and the latest run's histogram."""
        curves, hist = self.figure.axes[:2]
        curves.clear()
        hist.clear()
        with style():
            runs = self.runs[::-1]
            plot_curves([r.history for r in runs], [r.label() for r in runs], curves,
                        title=t("Test accuracy of the last {n} run(s)", n=len(runs)))  # fmt: skip
            curves.set_ylim(0, 100)
            latest = self.runs[-1]
            plot_client_accuracy(latest.client_accuracy, latest.history.final_accuracy, ax=hist,
                                 title=t("Per client: {run}", run=latest.label()))  # fmt: skip
            hist.legend(loc="upper left", fontsize=SIZES["note"])
        self.png = figure_png(self.figure)
        self.image.value = self.png

    def clear(self) -> None:
        """Forget every run but the latest one, and redraw."""
        self.runs = self.runs[-1:]
        self.draw()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.box._repr_mimebundle_(**kwargs)
        last = self.runs[-1].history if self.runs else None
        bundle["text/plain"] = t(
            "Drift explorer: its controls appear in a running Jupyter notebook. Latest run: {run}", run=last
        )
        return bundle


def drift_explorer(**start: Any) -> DriftExplorer:
    """Make the drift explorer (display it by leaving it last in a cell); keywords set starting
    values, e.g. ``drift_explorer(alpha=0.05, E=5)``."""
    return DriftExplorer(**start)
