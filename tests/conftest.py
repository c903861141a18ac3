"""Shared test set-up: figures never open windows, and the repo root is known."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
