"""The privacy widget of lesson 06: noise multiplier and clipping norm sliders -> a DP-FedAvg run.

The federation is fixed: lesson 04's digits shared IID among 100 clients, each taking part with
probability q = 0.2 per round, 30 rounds, a linear model, delta = 1e-3. Moving a slider re-runs
DP-FedAvg (about half a second; results are cached) and redraws the test accuracy per round next to
the same run without noise, with epsilon in the title.

>>> w = PrivacyWidget()
>>> w.noise.value = 2.0            # fires the observer synchronously: re-run and redraw
>>> round(w.history.config["epsilon"], 2)
2.08
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from fedlearn_edu.data import iid_partition, load_digits
from fedlearn_edu.i18n import t
from fedlearn_edu.plots import figure_png, style
from fedlearn_edu.plots.privacy import plot_dp_runs
from fedlearn_edu.simulation import mlp, run_dp_fedavg

__all__ = ["PrivacyWidget", "privacy_widget"]

SETTINGS = dict(rounds=30, sample_rate=0.2, delta=1e-3, lr=0.1, seed=0)
N_CLIENTS = 100


class PrivacyWidget:
    """Two sliders and the figure they redraw. Readable state: ``history`` (the last run), ``png``."""

    def __init__(self, noise_multiplier: float = 1.0, clip_norm: float = 0.25, histories: Sequence[Any] = ()):
        slider = {"continuous_update": False, "style": {"description_width": "120px"}}
        self.noise = widgets.FloatSlider(
            value=noise_multiplier,
            min=0.0,
            max=4.0,
            step=0.25,
            description=t("noise σ"),
            readout_format=".2f",
            **slider,
        )
        self.clip = widgets.FloatSlider(
            value=clip_norm,
            min=0.05,
            max=1.0,
            step=0.05,
            description=t("clipping norm C"),
            readout_format=".2f",
            **slider,
        )
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.data = load_digits(seed=0)
        self.parts = iid_partition(self.data.y_train, N_CLIENTS, seed=0)
        self._cache: dict[tuple[float, float], Any] = {}
        for history in histories:  # runs made elsewhere with the widget's settings, e.g. in the lesson
            wanted = dict(SETTINGS, K=N_CLIENTS)
            got = {key: history.config.get(key) for key in wanted}
            if got != wanted:
                raise ValueError(
                    f"a history handed to the widget was run with {got}; the widget's runs use {wanted}"
                )
            self._cache[self._key(history.config["noise_multiplier"], history.config["clip_norm"])] = history
        self.reference = self.run(0.0, 1e6)  # no noise, no clipping: plain FedAvg with Poisson sampling
        self.reference.config["label"] = t("no clipping, no noise")
        self.history, self.png, self.redraw_seconds = None, b"", 0.0
        for control in (self.noise, self.clip):
            control.observe(lambda change: self.redraw(), names="value")
        self.box = widgets.VBox([widgets.HBox([self.noise, self.clip]), self.status, self.image])
        self.redraw()

    @staticmethod
    def _key(noise_multiplier: float, clip_norm: float) -> tuple[float, float]:
        return round(float(noise_multiplier), 4), round(float(clip_norm), 4)

    def run(self, noise_multiplier: float, clip_norm: float):
        """One DP-FedAvg run of the widget's federation (cached)."""
        key = self._key(noise_multiplier, clip_norm)
        if key not in self._cache:
            self._cache[key] = run_dp_fedavg(
                self.data,
                self.parts,
                mlp((64, 10), seed=0),
                noise_multiplier=key[0],
                clip_norm=key[1],
                **SETTINGS,
            )
        return self._cache[key]

    def redraw(self):
        """Run with the sliders' values and redraw."""
        start = time.perf_counter()
        self.history = self.run(self.noise.value, self.clip.value)
        eps = self.history.config["epsilon"]
        privacy = t("no privacy (ε = ∞)") if eps == float("inf") else f"ε = {eps:.2f} (δ = 10⁻³)"
        with style():
            figure = Figure(figsize=(7.0, 4.2), dpi=80)
            plot_dp_runs(
                [self.reference, self.history], title=f"DP-FedAvg, {privacy}", ax=figure.add_subplot()
            )
            figure.tight_layout()
        self.png = figure_png(figure)
        self.image.value = self.png
        self.status.value = t(
            "σ = {noise:.2f}, C = {clip:.2f}: final accuracy <b>{accuracy:.3f}</b> (without noise or clipping "
            "{reference:.3f}); {privacy}",
            noise=self.noise.value,
            clip=self.clip.value,
            accuracy=self.history.final_accuracy,
            reference=self.reference.final_accuracy,
            privacy=privacy,
        )
        self.redraw_seconds = time.perf_counter() - start
        return self.history

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.box._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = t(
            "Privacy widget: its sliders appear in a running Jupyter notebook. Its current run: "
            "σ = {noise:.2f}, C = {clip:.2f}, final accuracy {accuracy:.3f}",
            noise=self.noise.value,
            clip=self.clip.value,
            accuracy=self.history.final_accuracy,
        )
        return bundle


def privacy_widget(**settings: Any) -> PrivacyWidget:
    """Make the widget (display it by leaving it last in a cell). Keywords set the starting values;
    ``histories=`` hands in runs already made with the widget's settings (they are not re-run)."""
    return PrivacyWidget(**settings)
