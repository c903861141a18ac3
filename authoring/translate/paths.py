"""Where the Chinese edition's sources and outputs live, relative to the repository root."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LANG = "zh"
CATALOGUES = Path("translations") / LANG
PACKAGE_LOCALE = Path("fedlearn_edu") / "locale" / LANG
EDITION = Path(LANG)  # zh/notebooks, zh/solutions, zh/exercises
SOURCES = ("notebooks", "solutions")
SOLUTIONS_JSON = Path("fedlearn_edu") / "questions" / f"solutions.{LANG}.json"
TERMS = CATALOGUES / "terms.json"
GLOSSARY = Path("docs") / "glossary.json"
