"""The CI gate: catalogues current and complete, zh/ what the build makes, glossary terms kept."""

from __future__ import annotations

import json
import re
from pathlib import Path

from authoring.translate.build import build, stale_notebooks
from authoring.translate.catalogues import _read, updated
from authoring.translate.paths import CATALOGUES, EDITION, PACKAGE_LOCALE, TERMS
from authoring.translate.rules import TranslationError, _comments_and_strings, _python

# --- glossary terms ---------------------------------------------------------------------------------


def term_problems(root: Path) -> list[str]:
    """Every translated entry whose English uses a glossary term but whose Chinese lacks its term."""
    terms = json.loads((root / TERMS).read_text(encoding="utf-8"))["terms"]
    problems = []
    for path in sorted((root / CATALOGUES).rglob("*.po")) + sorted((root / PACKAGE_LOCALE).glob("*.po")):
        for entry in _read(path):
            if not entry.msgstr or entry.obsolete:
                continue
            english = entry.msgid
            if entry.comment.startswith("code"):  # names in the code (plots.convergence) are not prose
                english = "\n".join(_comments_and_strings(_python(entry.msgid)))
            for term in terms:
                match = re.search(term["en"], english)
                wanted = [match.expand(z) if term.get("regex") else z for z in term["zh"]] if match else []
                if match and not any(z in entry.msgstr for z in wanted):
                    where = f"{path.relative_to(root).as_posix()} ({entry.msgctxt or entry.msgid[:40]!r})"
                    problems.append(
                        f"{where}: English {match.group(0)!r} should be rendered as {wanted[0]!r}"
                    )
    return problems


# --- coverage -------------------------------------------------------------------------------------


def coverage(root: Path) -> tuple[int, list[str]]:
    total, problems = 0, []
    for path in sorted((root / CATALOGUES).rglob("*.po")) + sorted((root / PACKAGE_LOCALE).glob("*.po")):
        for entry in _read(path):
            if entry.obsolete:
                continue
            total += 1
            rel = path.relative_to(root).as_posix()
            if "fuzzy" in entry.flags:
                problems.append(
                    f"{rel}: {entry.msgctxt or entry.msgid[:50]!r} is fuzzy (its English changed)"
                )
            elif not entry.msgstr:
                problems.append(f"{rel}: {entry.msgctxt or entry.msgid[:50]!r} is not translated")
    return total, problems


def cmd_check(root: Path) -> int:
    failures = []
    for rel, text in updated(root).items():
        if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text:
            failures.append(
                f"{rel.as_posix()} is behind the English source (run `python kit.py translate update`)"
            )
    total, problems = coverage(root)
    failures += problems
    try:
        notebooks, files = build(root)
    except TranslationError as exc:
        failures.append(str(exc))
    else:
        for rel in stale_notebooks(root, notebooks):
            failures.append(
                f"{rel.as_posix()} is not what the build makes (run `python kit.py translate build`)"
            )
        for rel, text in files.items():
            if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text:
                failures.append(
                    f"{rel.as_posix()} is not what the build makes (run `python kit.py translate build`)"
                )
        for path in sorted((root / EDITION).glob("*/*.*")):
            # JupyterLab's .ipynb_checkpoints/ (git ignores them) are not the edition's files
            if path.name.startswith(".") or not path.is_file():
                continue
            rel = path.relative_to(root)
            if rel not in notebooks and rel not in files:
                failures.append(f"{rel.as_posix()} has no English source")
    failures += term_problems(root)
    for line in failures:
        print(line)
    print(
        f"{total - len(problems)} of {total} catalogue entries translated, {len(problems)} missing or fuzzy"
    )
    return 1 if failures else 0
