"""Lesson 08's figures: who the hospitals are, and what each gains from joining.

>>> import numpy as np
>>> from fedlearn_edu.applications import medical as med
>>> fig = plot_hospitals(med.split_hospitals(*med.load_breast_cancer(), seed=0))
>>> len(fig.axes)
2
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from fedlearn_edu.i18n import N_, t
from fedlearn_edu.plots import OKABE_ITO, SIZES, style

__all__ = ["plot_hospitals", "plot_per_site"]


@style()
def plot_hospitals(hospitals: Sequence, *, feature: int = 0, feature_name: str = N_("mean radius")):
    """Left: each hospital's patients, malignant and benign. Right: one measurement's spread per
    hospital as its scanner reports it (a shifted scanner stands out)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    names = [h.name for h in hospitals]
    malignant = np.array([int(h.y.sum()) for h in hospitals])
    benign = np.array([len(h) for h in hospitals]) - malignant
    left.barh(names, benign, color=OKABE_ITO[1], label=t("benign"))
    left.barh(names, malignant, left=benign, color=OKABE_ITO[5], label=t("malignant"))
    for i, h in enumerate(hospitals):
        left.text(len(h) + 3, i, f"{h.y.mean():.0%}", va="center", fontsize=SIZES["text"])
    left.invert_yaxis()
    left.set_xlabel(t("patients (label: share malignant)"))
    left.set_title(t("Sizes and case mix differ"))
    left.legend(loc="lower right")
    right.boxplot(
        [h.X[:, feature] for h in hospitals]
    )  # no orientation keyword: it changed in Matplotlib 3.10
    right.set_xticks(np.arange(1, len(names) + 1), names, rotation=25, ha="right")
    right.set_ylabel(t("{feature} as measured", feature=t(feature_name)))
    right.set_title(t("One scanner reads 25 % high"))
    fig.tight_layout()
    return fig


@style()
def plot_per_site(rows: Sequence[dict], *, metric: str = "auc", methods: Sequence[str] | None = None):
    """One dot (with its bootstrap interval) per method at each site, for ``metric`` ("auc" or
    "accuracy"), from :func:`fedlearn_edu.applications.evaluate.per_site_table`."""
    sites = list(dict.fromkeys(r["site"] for r in rows))
    methods = list(methods or dict.fromkeys(r["method"] for r in rows))
    fig, ax = plt.subplots(figsize=(11, 4.5))
    width = 0.8 / len(methods)
    for j, method in enumerate(methods):
        mine = {r["site"]: r for r in rows if r["method"] == method}
        x = np.arange(len(sites)) - 0.4 + width * (j + 0.5)
        y = np.array([mine[s][metric] for s in sites])
        low = y - np.array([mine[s][f"{metric}_low"] for s in sites])
        high = np.array([mine[s][f"{metric}_high"] for s in sites]) - y
        ax.errorbar(x, y, yerr=[low, high], fmt="o", capsize=3, color=OKABE_ITO[j % 8], label=method)
    ax.set_xticks(np.arange(len(sites)), sites)
    if metric == "auc":
        ax.set_ylabel(t("test auc (95 % bootstrap interval)"))
    elif metric == "accuracy":
        ax.set_ylabel(t("test accuracy (95 % bootstrap interval)"))
    else:
        ax.set_ylabel(t("test {metric} (95 % bootstrap interval)", metric=metric))
    ax.legend(ncol=len(methods), loc="upper center", bbox_to_anchor=(0.5, -0.1), fontsize=SIZES["note"])
    fig.tight_layout()
    return fig
