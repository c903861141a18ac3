"""Is this environment complete? Lesson 00 runs :func:`report` so a student knows before lesson 03.

It only reads installed package versions (no heavy imports), compares them with the classroom
pins, and says how to fix what is missing.

>>> from fedlearn_edu.envcheck import Requirement, check
>>> check([Requirement("numpy", "numpy", None, "the averaging lessons")])[0].ok
True
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata

from fedlearn_edu.i18n import N_, t

FIX = N_(
    "Close Jupyter and run `python kit.py lab` in the fedlearn-edu folder: it installs the "
    "classroom environment into .venv/ and reopens the lessons in it."
)


@dataclass(frozen=True)
class Requirement:
    distribution: str  # the name pip knows
    module: str  # the name you import
    pinned: str | None  # the classroom version, or None if any version will do
    needed_for: str  # English; translated where it is shown


# The classroom pins (requirements.txt); tests/test_environment.py keeps these in step with it.
REQUIREMENTS = [
    Requirement("numpy", "numpy", "2.4.6", N_("every lesson")),
    Requirement("matplotlib", "matplotlib", "3.11.2", N_("every figure")),
    Requirement("torch", "torch", "2.13.0", N_("lessons 02 (state_dict part) to 09")),
    Requirement("ipywidgets", "ipywidgets", "8.1.9", N_("the interactive widgets of lessons 03, 04, 06, 07")),
    Requirement(
        "jupyterlab_widgets", "jupyterlab_widgets", "3.0.17", N_("showing those widgets in JupyterLab")
    ),
    Requirement(
        "scikit-learn", "sklearn", "1.9.1", N_("the digits, medical and credit data (lessons 04-08)")
    ),
]


@dataclass(frozen=True)
class Status:
    requirement: Requirement
    installed: str | None

    @property
    def ok(self) -> bool:
        return self.installed is not None

    @property
    def matches_pin(self) -> bool:
        pinned = self.requirement.pinned
        return pinned is None or (self.installed or "").split("+")[0] == pinned

    def line(self) -> str:
        name = f"{self.requirement.distribution:<19}"
        if not self.ok:
            return "✗ " + t(
                "{name} missing -- needed for {needed_for}",
                name=name,
                needed_for=t(self.requirement.needed_for),
            )
        version = (self.installed or "").split("+")[0]  # "2.13.0+cpu" -> "2.13.0"
        if self.matches_pin:
            return f"✓ {name} {version}"
        return "✓ " + t(
            "{name} {version} (the lessons were recorded with {pinned}; small differences in printed numbers "
            "are possible)",
            name=name,
            version=version,
            pinned=self.requirement.pinned,
        )


def check(requirements: list[Requirement] | None = None) -> list[Status]:
    """The installed version (or ``None``) of each requirement."""
    statuses = []
    for req in requirements or REQUIREMENTS:
        try:
            installed = metadata.version(req.distribution)
        except metadata.PackageNotFoundError:
            installed = None
        statuses.append(Status(req, installed))
    return statuses


def report(statuses: list[Status] | None = None) -> bool:
    """Print a readable report; return True if everything needed is installed."""
    statuses = check() if statuses is None else statuses
    python_ok = sys.version_info[:2] >= (3, 10)
    print(
        f"{'✓' if python_ok else '✗'} Python              {sys.version_info.major}.{sys.version_info.minor}"
    )
    for status in statuses:
        print(status.line())
    missing = [s.requirement.distribution for s in statuses if not s.ok]
    if missing or not python_ok:
        what = ", ".join(missing) or t("Python 3.10 or newer")
        print("\n" + t("Something is missing ({what}). How to fix it:", what=what) + "\n" + t(FIX))
        if "torch" in missing:
            print(
                t(
                    "Only torch missing? In a terminal with this environment active: "
                    "pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
                )
            )
        return False
    print("\n" + t("All set: every lesson can run."))
    return True
