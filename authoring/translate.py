"""The Chinese edition: built from the English course and gettext catalogues, never edited by hand.

    python kit.py translate update     refresh every catalogue from the English source (new text: empty;
                                       changed text: marked fuzzy, old translation and old English kept)
    python kit.py translate build      write zh/notebooks, zh/solutions (executed where changed) and
                                       zh/exercises from the English notebooks plus the catalogues
    python kit.py translate check      the CI gate: catalogues current and complete (no empty, no fuzzy
                                       entry), zh/ exactly what `build` makes, every glossary term rendered
                                       with its one Chinese term
    python kit.py translate todo PO    print the entries of one catalogue still to translate, as JSON
    python kit.py translate fill PO JSON   put translations ({"msgctxt or msgid": "msgstr", ...}) into PO

Catalogues (``translations/README.md`` is the translators' guide):

- ``translations/zh/notebooks/<lesson>.po`` and ``translations/zh/solutions/<lesson>.po``: one entry per
  cell, keyed by the cell's id (``msgctxt``), so moving a cell breaks nothing. Every markdown cell is
  translated; a code cell only if it has a comment or an English sentence in a string. A code cell's
  translation may change comments and strings only: the build compares the two programs with every
  string blanked and refuses anything else.
- ``fedlearn_edu/locale/zh/<module>.po``: what the package says at run time -- every ``t("...")`` and
  ``N_("...")`` in its source, and the titles, hints, options and messages of every exercise question.
"""

from __future__ import annotations

import argparse
import ast
import copy
import difflib
import importlib
import json
import pkgutil
import re
import sys
from pathlib import Path

import nbformat
import polib

from authoring.exercises import exercise_from_solution

ROOT = Path(__file__).resolve().parents[1]
LANG = "zh"
CATALOGUES = Path("translations") / LANG
PACKAGE_LOCALE = Path("fedlearn_edu") / "locale" / LANG
EDITION = Path(LANG)  # zh/notebooks, zh/solutions, zh/exercises
SOURCES = ("notebooks", "solutions")
SOLUTIONS_JSON = Path("fedlearn_edu") / "questions" / f"solutions.{LANG}.json"
TERMS = CATALOGUES / "terms.json"
SETUP_CELL_ID = "zh-edition-setup"
SETUP_CELL = (
    "# 中文版：本课的检查反馈、提示、控件和图中文字都用中文显示\n"
    "from fedlearn_edu import i18n, plots\n\n"
    'i18n.set_language("zh")\n'
    "plots.use_cjk_font()  # 中文字体随 mplfonts 离线安装"
)
HEADER = {
    "Project-Id-Version": "fedlearn-edu",
    "Language": "zh_CN",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}
MARKER = re.compile(r"^\s*### (BEGIN|END) SOLUTION\s*$", re.MULTILINE)
FIELD = re.compile(r"\{[^{}]*\}")  # an f-string's or a format string's {field}


def _reads_as_prose(literal: str) -> bool:
    """A string a student reads: with its {fields} taken out, a word and a space remain ("{n} clients")."""
    text = FIELD.sub("0", literal.lstrip("rbfRBF").strip("'\""))
    return " " in text.strip() and re.search(r"[A-Za-z]{2,}", text) is not None


NOT_PROSE = re.compile(r"^#+\s*(BEGIN|END) SOLUTION|^#\s*(noqa|fmt:|type:)")


class TranslationError(ValueError):
    """A translation breaks a rule; the message names the catalogue, the cell and the rule."""


# --- what is translatable ----------------------------------------------------------------------


def _comments_and_strings(code: str) -> list[str]:
    """The comments and string literals of a cell (empty if it does not parse as Python)."""
    import io
    import tokenize

    found = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type == tokenize.COMMENT and not NOT_PROSE.match(tok.string):
                found.append(tok.string)
            elif tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                found.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    return found


def translatable(cell) -> bool:
    if not cell.source.strip():
        return False
    if cell.cell_type == "markdown":
        return True
    if cell.cell_type != "code":
        return False
    return any(s.startswith("#") or _reads_as_prose(s) for s in _comments_and_strings(_python(cell.source)))


def _python(code: str) -> str:
    """A cell's code as plain Python (IPython's ``%magic`` and ``!shell`` lines turned into calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(code)


def program_skeleton(code: str) -> str:
    """The program with every string blanked and comments gone: a translation must not change it."""
    tree = ast.parse(_python(code))
    for node in ast.walk(tree):
        if isinstance(
            node, ast.JoinedStr
        ):  # an f-string: its {fields} matter, in any order; its text does not
            fields = [v for v in node.values if isinstance(v, ast.FormattedValue)]
            node.values = sorted(fields, key=ast.dump)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


def check_code_translation(english: str, chinese: str, where: str) -> None:
    try:
        same = program_skeleton(english) == program_skeleton(chinese)
    except SyntaxError as exc:
        raise TranslationError(
            f"{where}: the translated code does not parse ({exc.msg}, line {exc.lineno})"
        ) from None
    if not same:
        raise TranslationError(
            f"{where}: the translation changes the program; only comments and strings may change"
        )
    if MARKER.findall(english) != MARKER.findall(chinese):
        raise TranslationError(f"{where}: the ### BEGIN/END SOLUTION markers must stay exactly as they are")


def check_markdown_translation(english: str, chinese: str, where: str) -> None:
    if MARKER.findall(english) != MARKER.findall(chinese):
        raise TranslationError(f"{where}: the ### BEGIN/END SOLUTION markers must stay exactly as they are")
    if english.count("$$") != chinese.count("$$"):
        raise TranslationError(f"{where}: the translation has a different number of $$ formula blocks")


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


GLOSSARY = Path("docs") / "glossary.json"
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


# --- the build ------------------------------------------------------------------------------------


IN_EDITION = ("notebooks/", "exercises/", "solutions/", "docs/glossary.json")  # what zh/ mirrors


def _relink(text: str, pattern: str) -> str:
    """``../x`` stays when zh/ has its own x (a lesson, the glossary); else it goes one folder further up."""

    def swap(match: re.Match) -> str:
        target = match.group(2)
        return match.group(0) if target.startswith(IN_EDITION) else f"{match.group(1)}../../{target}"

    return re.sub(pattern, swap, text)


MARKDOWN_LINK = r"(\]\()\.\./([^)\s]*)"
CODE_PATH = r"(Path\(\")\.\./([^\"]*)"


def translate_notebook(nb, po: polib.POFile, rel: str):
    table = {(e.msgctxt, e.msgid): e.msgstr for e in po if e.msgstr and "fuzzy" not in e.flags}
    out = copy.deepcopy(nb)
    for i, cell in enumerate(out.cells):
        where = f"{rel}, cell {i + 1} (id {cell.id!r})"
        chinese = table.get((cell.id, cell.source)) if translatable(cell) else None
        if cell.cell_type == "code":
            if chinese is not None:
                check_code_translation(cell.source, chinese, where)
                cell.source = chinese
            cell.source = _relink(cell.source, CODE_PATH)
            cell.outputs, cell.execution_count = [], None
        elif chinese is not None:
            check_markdown_translation(cell.source, chinese, where)
            cell.source = chinese
        if cell.cell_type == "markdown":
            cell.source = _relink(cell.source, MARKDOWN_LINK)
        cell.metadata.pop("execution", None)
    first_code = next(i for i, c in enumerate(out.cells) if c.cell_type == "code")
    setup = nbformat.v4.new_code_cell(SETUP_CELL)
    setup.id = SETUP_CELL_ID
    setup.metadata = {"slideshow": {"slide_type": "skip"}}
    out.cells.insert(first_code, setup)
    out.metadata["fedlearn_edu"] = {
        "language": LANG,
        "generated_from": rel,
        "note": "Generated by `python kit.py translate build`; edit the English notebook or the catalogue.",
    }
    return out


HEADING = re.compile(r"^#{1,6} +(.+?) *$", re.MULTILINE)
ANCHOR_LINK = re.compile(r"\]\(((?:\.\./(notebooks|solutions)/)?(\d\d_\w+)\.ipynb)?#([^)\s]+)\)")


ANCHOR_SAFE = ",.:'!-()"  # left as they are in a link's #fragment; everything else is %-encoded


def _anchor(heading: str) -> str:
    """The id Jupyter and nbconvert give a heading: its text with spaces as hyphens."""
    return heading.strip().replace(" ", "-")


def anchors(english, chinese) -> dict[str, str]:
    """English heading id -> the Chinese heading id of the same heading (cells matched by id, headings by order)."""
    zh = {c.id: c.source for c in chinese.cells if c.cell_type == "markdown"}
    found = {}
    for cell in english.cells:
        if cell.cell_type == "markdown" and cell.id in zh:
            before, after = HEADING.findall(cell.source), HEADING.findall(zh[cell.id])
            if len(before) == len(after):
                found.update({_anchor(e): _anchor(z) for e, z in zip(before, after)})
    return found


def relink_anchors(nb, folder: str, stem: str, maps: dict[tuple[str, str], dict[str, str]]) -> None:
    """Point ``#heading`` links (to this notebook or another lesson) at the translated headings."""
    from urllib.parse import quote, unquote

    def swap(match: re.Match) -> str:
        target = (match.group(2) or folder, match.group(3) or stem)
        english = unquote(match.group(4))
        chinese = maps.get(target, {}).get(english)
        if chinese is None:
            return match.group(0)
        return f"]({match.group(1) or ''}#{quote(chinese, safe=ANCHOR_SAFE)})"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = ANCHOR_LINK.sub(swap, cell.source)


def _sources(nb) -> list:
    return [(c.cell_type, c.get("id"), c.source, c.metadata.get("slideshow")) for c in nb.cells] + [
        nb.metadata.get("fedlearn_edu")
    ]


def _text(nb) -> str:
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def build(root: Path) -> tuple[dict[Path, object], dict[Path, str]]:
    """The Chinese notebooks (without outputs) and the exercise files made from them."""
    notebooks: dict[Path, object] = {}
    for folder in SOURCES:
        for path in sorted((root / folder).glob("*.ipynb")):
            rel = path.relative_to(root).as_posix()
            po = _read(root / CATALOGUES / folder / f"{path.stem}.po")
            notebooks[EDITION / folder / path.name] = translate_notebook(nbformat.read(path, 4), po, rel)
    maps = {
        (rel.parts[1], rel.stem): anchors(nbformat.read(root / rel.relative_to(EDITION), 4), nb)
        for rel, nb in notebooks.items()
    }
    for rel, nb in notebooks.items():
        relink_anchors(nb, rel.parts[1], rel.stem, maps)
    files: dict[Path, str] = {}
    solutions: dict[str, str] = {}
    for rel, nb in notebooks.items():
        if rel.parts[1] == "solutions":
            ex, codes = exercise_from_solution(nb, rel.as_posix(), LANG)
            files[EDITION / "exercises" / rel.name] = _text(ex)
            solutions.update(codes)
    files[SOLUTIONS_JSON] = json.dumps(solutions, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    files[EDITION / GLOSSARY] = translated_glossary(root)
    return notebooks, files


def stale_notebooks(root: Path, notebooks: dict) -> list[Path]:
    """The Chinese notebooks whose cells differ from what the build makes (or that do not exist)."""
    stale = []
    for rel, nb in notebooks.items():
        path = root / rel
        if not path.exists() or _sources(nbformat.read(path, 4)) != _sources(nb):
            stale.append(rel)
    return stale


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


# --- commands ---------------------------------------------------------------------------------------


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


def cmd_update(root: Path) -> int:
    for rel, text in updated(root).items():
        path = root / rel
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8", newline="\n")
            print(f"updated {rel.as_posix()}")
    total, problems = coverage(root)
    print(f"{total - len(problems)} of {total} entries translated; {len(problems)} to do")
    return 0


def _code(nb) -> list:
    return [(c.get("id"), c.source) for c in nb.cells if c.cell_type == "code"]


def keep_outputs(old, new) -> bool:
    """Give ``new`` the outputs of ``old`` if their code cells are the same (only prose changed)."""
    if _code(old) != _code(new):
        return False
    ran = {c.id: c for c in old.cells if c.cell_type == "code"}
    for cell in new.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = ran[cell.id].outputs, ran[cell.id].execution_count
    new.metadata = old.metadata | {"fedlearn_edu": new.metadata["fedlearn_edu"]}
    return True


def cmd_build(root: Path, execute: bool = True) -> int:
    notebooks, files = build(root)
    stale, to_run = stale_notebooks(root, notebooks), []
    for rel in stale:
        path = root / rel
        if not (path.exists() and keep_outputs(nbformat.read(path, 4), notebooks[rel])):
            to_run.append(rel)  # code changed (or new): its outputs come from running it
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_text(notebooks[rel]), encoding="utf-8", newline="\n")
        print(f"wrote {rel.as_posix()}" + ("" if rel in to_run else " (prose only: outputs kept)"))
    for rel, text in files.items():
        if not (root / rel).exists() or (root / rel).read_text(encoding="utf-8") != text:
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text, encoding="utf-8", newline="\n")
            print(f"wrote {rel.as_posix()}")
    if execute and to_run:
        from authoring.execute import main as execute_main

        return execute_main([str(root / rel) for rel in to_run])
    return 0


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


def cmd_todo(path: Path) -> int:
    todo = [
        {"msgctxt": e.msgctxt, "msgid": e.msgid, "comment": e.comment, "fuzzy_old_msgstr": e.msgstr or None}
        for e in _read(path)
        if not e.obsolete and (not e.msgstr or "fuzzy" in e.flags)
    ]
    print(json.dumps(todo, ensure_ascii=False, indent=1))
    return 0


def cmd_fill(path: Path, translations: dict[str, str]) -> int:
    po = _read(path)
    by_ctx = {e.msgctxt: e for e in po if e.msgctxt}
    by_id = {e.msgid: e for e in po if not e.msgctxt}
    unknown = [k for k in translations if k not in by_ctx and k not in by_id]
    if unknown:
        print(f"error: {len(unknown)} keys are neither a msgctxt nor a msgid of {path}: {unknown[:3]}")
        return 1
    for key, msgstr in translations.items():
        entry = by_ctx.get(key) or by_id[key]
        if entry.msgctxt and entry.comment.startswith("code"):
            check_code_translation(entry.msgid, msgstr, f"{path.name} {key!r}")
        elif entry.msgctxt:
            check_markdown_translation(entry.msgid, msgstr, f"{path.name} {key!r}")
        entry.msgstr = msgstr
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = None
    path.write_text(render(po), encoding="utf-8", newline="\n")
    print(f"{len(translations)} entries filled in {path}")
    return 0


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python kit.py translate", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["update", "build", "check", "todo", "fill"])
    parser.add_argument("files", nargs="*", help="todo: a catalogue; fill: a catalogue and a JSON file")
    parser.add_argument("--no-execute", action="store_true", help="build: do not run changed notebooks")
    args = parser.parse_args(argv)
    try:
        if args.command == "update":
            return cmd_update(root)
        if args.command == "build":
            return cmd_build(root, execute=not args.no_execute)
        if args.command == "check":
            return cmd_check(root)
        if args.command == "todo":
            return cmd_todo(Path(args.files[0]))
        return cmd_fill(Path(args.files[0]), json.loads(Path(args.files[1]).read_text(encoding="utf-8")))
    except TranslationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
