"""The robustness widget of lesson 07: attack type and attacker fraction -> accuracy per aggregator.

The federation is lesson 07's: digits shared IID among 20 clients, all training every round, 10
rounds. Changing a control runs the six aggregation rules against that attack (about a second;
results are cached, and the lesson's table can be handed in to start with) and redraws the bars.

    w = RobustnessWidget()
    w.fraction.value = 0.4    # fires the observer synchronously: re-run and redraw
    w.results["median"]       # the AttackResult the median bar shows

With no attackers every attack is the same run, cached once:

>>> RobustnessWidget._key("backdoor", 0.0, "Krum")
('none', 0.0, 'Krum')
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from fedlearn_edu.attacks import AttackResult, defences, run_attack
from fedlearn_edu.data import iid_partition, load_digits
from fedlearn_edu.i18n import N_, t
from fedlearn_edu.plots import SIZES, figure_png, style
from fedlearn_edu.plots.robustness import AGGREGATOR_COLOURS, aggregator_name

__all__ = ["RobustnessWidget", "robustness_widget"]

N_CLIENTS = 20
ATTACK_CHOICES = [  # the labels are translated where the widget is made
    (N_("sign flipping (×4)"), "sign_flip"),
    (N_("label flipping"), "label_flip"),
    (N_("backdoor"), "backdoor"),
]


class RobustnessWidget:
    """A dropdown, a slider and the bar chart they redraw. Readable state: ``results`` (aggregator ->
    :class:`~fedlearn_edu.attacks.AttackResult`) and ``png``."""

    def __init__(
        self, attack: str = "sign_flip", fraction: float = 0.2, results: Sequence[AttackResult] = ()
    ):
        self.attack = widgets.Dropdown(
            options=[(t(label), value) for label, value in ATTACK_CHOICES],
            value=attack,
            description=t("attack"),
        )
        self.fraction = widgets.FloatSlider(
            value=fraction, min=0.0, max=0.4, step=0.1, description=t("attackers"), readout_format=".0%",
            continuous_update=False,
        )  # fmt: skip
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.data = load_digits(seed=0)
        self.parts = iid_partition(self.data.y_train, N_CLIENTS, seed=0)
        self._cache: dict[tuple[str, float, str], AttackResult] = {}
        for r in results:
            self._cache[self._key(r.attack, r.fraction, r.aggregator)] = r
        self.results: dict[str, AttackResult] = {}
        self.png, self.redraw_seconds = b"", 0.0
        for control in (self.attack, self.fraction):
            control.observe(lambda change: self.redraw(), names="value")
        self.box = widgets.VBox([widgets.HBox([self.attack, self.fraction]), self.status, self.image])
        self.redraw()

    @staticmethod
    def _key(attack: str, fraction: float, aggregator: str) -> tuple[str, float, str]:
        fraction = round(float(fraction), 2)
        return ("none" if fraction == 0 else attack), fraction, aggregator

    def run(self, attack: str, fraction: float) -> dict[str, AttackResult]:
        """Every aggregator against one attack (cached)."""
        out = {}
        for name in defences(N_CLIENTS, 1):
            key = self._key(attack, fraction, name)
            if key not in self._cache:
                self._cache[key] = run_attack(self.data, self.parts, key[0], key[1], name)
            out[name] = self._cache[key]
        return out

    def redraw(self) -> dict[str, AttackResult]:
        start = time.perf_counter()
        attack, fraction = self.attack.value, round(self.fraction.value, 2)
        self.results = self.run(attack, fraction)
        n_bad = round(fraction * N_CLIENTS)
        label = t(dict((v, k) for k, v in ATTACK_CHOICES)[attack])
        title = (
            t("{attack}, {n} of {total} clients attacking", attack=label, n=n_bad, total=N_CLIENTS)
            if n_bad
            else t("no attackers")
        )
        self.png = figure_png(self._figure(attack == "backdoor" and n_bad > 0, title))
        self.image.value = self.png
        best = max(self.results.values(), key=lambda r: r.accuracy)
        self.status.value = t(
            "{title}: FedAvg {fedavg:.3f}, best {best} {accuracy:.3f}",
            title=title,
            fedavg=self.results["FedAvg"].accuracy,
            best=aggregator_name(best.aggregator),
            accuracy=best.accuracy,
        )
        self.redraw_seconds = time.perf_counter() - start
        return self.results

    def _figure(self, backdoor: bool, title: str) -> Figure:
        with style():
            figure = Figure(figsize=(8.0, 4.0), dpi=80)
            ax = figure.add_subplot()
            names = list(self.results)
            xs = np.arange(len(names))
            width = 0.4 if backdoor else 0.7
            colours = [AGGREGATOR_COLOURS[n] for n in names]
            bars = ax.bar(xs - (width / 2 if backdoor else 0), [self.results[n].accuracy for n in names], width,
                          color=colours, label=t("clean accuracy"))  # fmt: skip
            ax.bar_label(bars, fmt="%.2f", fontsize=SIZES["note"])
            if backdoor:
                hits = ax.bar(xs + width / 2, [self.results[n].backdoor_success for n in names], width,
                              color=colours, hatch="//", alpha=0.45, label=t("trigger success"))  # fmt: skip
                ax.bar_label(hits, fmt="%.2f", fontsize=SIZES["note"])
                ax.legend(loc="upper right")
            ax.set_xticks(xs, [aggregator_name(n) for n in names], rotation=15)
            ax.set_ylim(0, 1.1)
            ax.set_ylabel(t("share of test images"))
            ax.set_title(title)
            figure.tight_layout()
        return figure

    def _repr_mimebundle_(self, **kwargs: Any) -> dict:
        bundle = self.box._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = t(
            "Robustness widget: its controls appear in a running Jupyter notebook. Now showing: {status}",
            status=self.status.value,
        )
        return bundle


def robustness_widget(**settings: Any) -> RobustnessWidget:
    """Make the widget (display it by leaving it last in a cell). ``results=`` pre-fills its cache."""
    return RobustnessWidget(**settings)
