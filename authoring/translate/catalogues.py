"""The catalogues: what each should hold (notebook cells, package strings, glossary), read, merged, written."""

from __future__ import annotations

import ast
import difflib
import importlib
import json
import pkgutil
from pathlib import Path

import nbformat
import polib

from authoring.translate.paths import CATALOGUES, GLOSSARY, PACKAGE_LOCALE, SOURCES
from authoring.translate.rules import translatable

HEADER = {
    "Project-Id-Version": "fedlearn-edu",
    "Language": "zh_CN",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}

# --- catalogues ----------------------------------------------------------------------------------


def _new_catalogue() -> polib.POFile:
    po = polib.POFile(wrapwidth=1_000_000)
    po.metadata = dict(HEADER)
    return po


def _read(path: Path) -> polib.POFile:
    return polib.pofile(str(path), wrapwidth=1_000_000) if path.exists() else _new_catalogue()


def render(po: polib.POFile) -> str:
    text = str(po)
    return text if text.endswith("\n") else text + "\n"


def merge(old: polib.POFile, wanted: list[polib.POEntry]) -> polib.POFile:
    """``wanted`` entries with ``old``'s translations: same key kept, same cell but new English fuzzy."""
    po = _new_catalogue()
    by_key = {(e.msgctxt, e.msgid): e for e in old if not e.obsolete}
    by_ctx = {e.msgctxt: e for e in old if not e.obsolete and e.msgctxt}
    used = set()
    for entry in wanted:
        key = (entry.msgctxt, entry.msgid)
        was = by_key.get(key)
        if was is not None:
            entry.msgstr, entry.flags = was.msgstr, list(was.flags)
            entry.previous_msgid = was.previous_msgid
            used.add(key)
        else:
            was = by_ctx.get(entry.msgctxt) if entry.msgctxt else None
            if was is None and entry.msgctxt is None:
                gone = [k[1] for k in by_key if k[0] is None and k not in used]
                close = difflib.get_close_matches(entry.msgid, gone, n=1, cutoff=0.8)
                was = by_key.get((None, close[0])) if close else None
            if was is not None and was.msgstr:
                entry.msgstr, entry.flags = was.msgstr, ["fuzzy"]
                entry.previous_msgid = was.previous_msgid or was.msgid
                used.add((was.msgctxt, was.msgid))
        po.append(entry)
    return po


def notebook_entries(nb, rel: str) -> list[polib.POEntry]:
    entries = []
    for i, cell in enumerate(nb.cells):
        if translatable(cell):
            kind = "markdown" if cell.cell_type == "markdown" else "code: translate comments and strings only"
            entries.append(
                polib.POEntry(
                    msgctxt=cell.id,
                    msgid=cell.source,
                    msgstr="",
                    comment=kind,
                    occurrences=[(rel, str(i + 1))],
                )
            )
    return entries


def _strings_in_source(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) in ("t", "N_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append(node.args[0].value)
    return found


def question_texts(module) -> list[str]:
    """Every sentence an exercise question of ``module`` shows: title, hints, options, messages."""
    from fedlearn_edu.checker import Problem

    texts = []
    for problem in vars(module).values():
        if not isinstance(problem, Problem):
            continue
        texts += [problem.title, *problem.hints, problem.explanation]
        texts += [m.message for m in getattr(problem, "mistakes", [])]
        cases = getattr(problem, "_cases", [])
        texts += [c.label for c in (cases() if callable(cases) else cases)]
        texts += list(getattr(problem, "options", {}).values()) + list(getattr(problem, "why", {}).values())
    return [s for s in texts if isinstance(s, str) and s.strip()]


def package_catalogues(root: Path) -> dict[Path, list[polib.POEntry]]:
    """One catalogue per top-level part of the package (``checker``, ``plots``, ...), and per lesson's question texts."""
    package = root / "fedlearn_edu"
    strings: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        top = path.relative_to(package).parts[0].removesuffix(".py")
        strings.setdefault(top, []).extend(
            _strings_in_source(path)
        )  # every t("...") of questions/: questions.po
    for info in pkgutil.iter_modules([str(package / "questions")]):
        module = importlib.import_module(f"fedlearn_edu.questions.{info.name}")
        strings.setdefault(f"questions_{info.name}", []).extend(question_texts(module))
    seen: set[str] = set()
    out = {}
    for name, texts in sorted(strings.items()):
        entries = []
        for text in texts:
            if text not in seen:
                seen.add(text)
                entries.append(
                    polib.POEntry(msgid=text, msgstr="", occurrences=[(f"fedlearn_edu.{name}", "")])
                )
        if entries:
            out[PACKAGE_LOCALE / f"{name}.po"] = entries
    return out


GLOSSARY_FIELDS = ("term", "definition")


def glossary_entries(root: Path) -> list[polib.POEntry]:
    """The course glossary's title, blurb and each term with its definition (keyed ``<id>:<field>``)."""
    glossary = json.loads((root / GLOSSARY).read_text(encoding="utf-8"))
    entries = [polib.POEntry(msgctxt=key, msgid=glossary[key], msgstr="") for key in ("title", "about")]
    for term in glossary["terms"]:
        for field in GLOSSARY_FIELDS:
            entries.append(polib.POEntry(msgctxt=f"{term['id']}:{field}", msgid=term[field], msgstr=""))
    return entries


def translated_glossary(root: Path) -> str:
    """``zh/docs/glossary.json``: the glossary with every translated text in place of the English."""
    glossary = json.loads((root / GLOSSARY).read_text(encoding="utf-8"))
    po = _read(root / CATALOGUES / "docs" / "glossary.po")
    table = {(e.msgctxt, e.msgid): e.msgstr for e in po if e.msgstr and "fuzzy" not in e.flags}
    for key in ("title", "about"):
        glossary[key] = table.get((key, glossary[key]), glossary[key])
    for term in glossary["terms"]:
        term["english"] = term["term"]
        for field in GLOSSARY_FIELDS:
            term[field] = table.get((f"{term['id']}:{field}", term[field]), term[field])
    return json.dumps(glossary, indent=2, ensure_ascii=False) + "\n"


def wanted_catalogues(root: Path) -> dict[Path, list[polib.POEntry]]:
    out = {CATALOGUES / "docs" / "glossary.po": glossary_entries(root)}
    for folder in SOURCES:
        for path in sorted((root / folder).glob("*.ipynb")):
            rel = path.relative_to(root).as_posix()
            out[CATALOGUES / folder / f"{path.stem}.po"] = notebook_entries(nbformat.read(path, 4), rel)
    out.update(package_catalogues(root))
    return out


def updated(root: Path) -> dict[Path, str]:
    return {
        rel: render(merge(_read(root / rel), entries)) for rel, entries in wanted_catalogues(root).items()
    }
