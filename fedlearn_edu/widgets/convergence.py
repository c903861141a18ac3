"""The convergence widget of lesson 03: move a slider, re-run the article's two-worker experiment,
see the pooled loss and the drift in the (w1, w2) plane change.

Controls: rounds, local steps, learning rate, equal vs sample-size weighting, and how many copies
of his data bob holds (with one copy, as in the article, both workers have 2 samples and the two
weightings agree). Sliders act when released, so a redraw never queues behind another.

The figure is drawn off-screen and shown as a PNG in an ``Image`` widget, so the widget needs no
special matplotlib backend and a test can drive it without a browser:

>>> w = ConvergenceWidget()
>>> w.local_steps.value = 1          # fires the observer synchronously: re-run and redraw
>>> w.history.settings["local_steps"]
1
"""

from __future__ import annotations

import time
from typing import Any

import ipywidgets as widgets

from fedlearn_edu.i18n import t
from fedlearn_edu.plots import figure_png
from fedlearn_edu.plots.convergence import convergence_figure, plot_convergence
from fedlearn_edu.two_workers import TwoWorkerHistory, article_model, train_two_workers

__all__ = ["ConvergenceWidget", "convergence_widget"]

LESSON_SEED = 5  # the lesson's starting model: away from both workers' lines, so the drift shows


class ConvergenceWidget:
    """Sliders for the article's experiment and the two figures they redraw.

    The state a test (or a curious student) can read: ``history`` (the last run),
    ``png`` (the last picture, as bytes), ``redraw_seconds`` (how long the last redraw took).
    """

    def __init__(
        self,
        *,
        rounds: int = 10,
        local_steps: int = 10,
        lr: float = 0.1,
        weighting: str = "equal",
        bob_copies: int = 1,
        seed: int = LESSON_SEED,
    ):
        slider = {"continuous_update": False, "style": {"description_width": "90px"}}
        self.rounds = widgets.IntSlider(value=rounds, min=1, max=30, description=t("rounds"), **slider)
        self.local_steps = widgets.IntSlider(
            value=local_steps, min=1, max=100, description=t("local steps"), **slider
        )
        self.lr = widgets.FloatSlider(
            value=lr, min=0.01, max=0.5, step=0.01, description="lr", readout_format=".2f", **slider
        )
        self.weighting = widgets.ToggleButtons(
            options=[(t("equal (the article)"), "equal"), (t("by sample size"), "samples")],
            value=weighting,
            description=t("weighting"),
            style={"description_width": "90px"},
        )
        self.bob_copies = widgets.IntSlider(
            value=bob_copies, min=1, max=3, description=t("bob's data ×"), **slider
        )
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.model = article_model(seed)
        self.figure = convergence_figure()
        self.history: TwoWorkerHistory | None = None
        self.png = b""
        self.redraw_seconds = 0.0
        for control in self.controls:
            control.observe(self._on_change, names="value")
        self.box = widgets.VBox(
            [
                widgets.HBox([self.rounds, self.local_steps, self.lr]),
                widgets.HBox([self.weighting, self.bob_copies]),
                self.status,
                self.image,
            ]
        )
        self.redraw()

    @property
    def controls(self) -> list[widgets.ValueWidget]:
        return [self.rounds, self.local_steps, self.lr, self.weighting, self.bob_copies]

    def settings(self) -> dict[str, Any]:
        """The controls' values, as keyword arguments of ``train_two_workers``."""
        return {
            "rounds": self.rounds.value,
            "local_steps": self.local_steps.value,
            "lr": round(self.lr.value, 4),
            "weighting": self.weighting.value,
            "bob_copies": self.bob_copies.value,
        }

    def redraw(self) -> TwoWorkerHistory:
        """Re-run the experiment with the controls' values and redraw both figures."""
        start = time.perf_counter()
        self.history = train_two_workers(self.model, **self.settings())
        plot_convergence(self.history, self.figure)
        self.png = figure_png(self.figure)
        self.image.value = self.png
        self.status.value = f"<code>{self.history}</code>"
        self.redraw_seconds = time.perf_counter() - start
        return self.history

    def _on_change(self, change: dict) -> None:
        self.redraw()

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        # Jupyter draws the widget view; anywhere else (nbconvert HTML, GitHub) shows the text.
        bundle = self.box._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = t(
            "Convergence widget: its sliders appear in a running Jupyter notebook. Its current run: {run}",
            run=self.history,
        )
        return bundle


def convergence_widget(**settings: Any) -> ConvergenceWidget:
    """Make the widget (display it by leaving it last in a cell). Keywords set the starting values."""
    return ConvergenceWidget(**settings)
