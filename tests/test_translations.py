"""The Chinese edition: built from the English course and the catalogues, complete, and saying the same numbers.

`python kit.py test` also runs `python -m authoring.translate check` (the coverage gate) as a step of its own;
these tests check the gate's parts on small examples, and the built Chinese notebooks against the English ones.
"""

from __future__ import annotations

import json
import re
import shutil
import string
import unicodedata

import nbformat
import polib
import pytest

from authoring import translate as tr
from conftest import ROOT

ZH_NOTEBOOKS = sorted((ROOT / "zh").glob("*/*.ipynb"))
FEEDBACK = ("✓", "✗", "…", "?", "★", "!")  # the checker's verdicts start with these icons
CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"(?<![A-Za-z0-9_.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?")  # a number right after 第 counts


def _english_of(path):
    return ROOT / path.relative_to(ROOT / "zh")


def _text_outputs(cell) -> str:
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            out.append(o["text"])
        elif "data" in o and "text/plain" in o["data"] and "image/png" not in o["data"]:
            text = "".join(o["data"]["text/plain"])
            if not text.startswith(FEEDBACK):  # a check's verdict is prose ("one step" / "1 个本地步")
                out.append(text)
    return "\n".join(out)


# --- a small course in a temporary folder ------------------------------------------------------------


@pytest.fixture
def course(tmp_path):
    """notebooks/ and solutions/ with one notebook each, a glossary, the terms, and the real package."""
    for folder in ("notebooks", "solutions"):
        nb = nbformat.v4.new_notebook()
        md = nbformat.v4.new_markdown_cell("# Lesson 99\n\nFederated learning averages **models**.")
        md.id = "md1"
        code = nbformat.v4.new_code_cell('x = 3  # three clients\nprint(f"{x} clients joined")\nq1.check()')
        code.id = "code1"
        plain = nbformat.v4.new_code_cell("y = x + 1")
        plain.id = "code2"
        nb.cells = [md, code, plain]
        (tmp_path / folder).mkdir()
        nbformat.write(nb, tmp_path / folder / "99_demo.ipynb")
    (tmp_path / "docs").mkdir()
    shutil.copy(ROOT / tr.GLOSSARY, tmp_path / tr.GLOSSARY)
    (tmp_path / tr.TERMS).parent.mkdir(parents=True)
    shutil.copy(ROOT / tr.TERMS, tmp_path / tr.TERMS)
    shutil.copytree(
        ROOT / "fedlearn_edu", tmp_path / "fedlearn_edu", ignore=shutil.ignore_patterns("__pycache__")
    )
    assert tr.cmd_update(tmp_path) == 0
    return tmp_path


def _fill(root, rel, key, msgstr):
    po = polib.pofile(str(root / rel))
    entry = next(e for e in po if (e.msgctxt or e.msgid) == key)
    entry.msgstr = msgstr
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    (root / rel).write_text(tr.render(po), encoding="utf-8")


def test_a_cell_without_prose_is_not_in_the_catalogue(course):
    keys = [e.msgctxt for e in polib.pofile(str(course / tr.CATALOGUES / "notebooks" / "99_demo.po"))]
    assert keys == ["md1", "code1"]


def test_an_edited_english_cell_makes_its_translation_fuzzy_and_the_gate_fail(course, capsys):
    rel = tr.CATALOGUES / "notebooks" / "99_demo.po"
    _fill(course, rel, "md1", "# 第 99 课\n\n联邦学习对**模型**求平均。")
    po = polib.pofile(str(course / rel))
    assert po.find("md1", by="msgctxt").msgstr.startswith("# 第 99 课")
    path = course / "notebooks" / "99_demo.ipynb"
    nb = nbformat.read(path, 4)
    nb.cells[0].source += " It never moves data."
    nbformat.write(nb, path)
    tr.cmd_update(course)
    entry = polib.pofile(str(course / rel)).find("md1", by="msgctxt")
    assert "fuzzy" in entry.flags and entry.msgstr.startswith("# 第 99 课")  # kept for the translator to fix
    assert entry.previous_msgid.endswith("**models**.")  # and the English it was made from
    assert tr.cmd_check(course) == 1
    assert "'md1' is fuzzy" in capsys.readouterr().out


def test_an_untranslated_cell_fails_the_gate(course, capsys):
    assert tr.cmd_check(course) == 1
    assert "'code1' is not translated" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("chinese", "ok"),
    [
        ('x = 3  # 三个客户端\nprint(f"{x} 个客户端加入")\nq1.check()', True),
        ('x = 3\nprint(f"已有 {x} 个客户端加入")\nq1.check()', True),
        ('x = 4  # 三个客户端\nprint(f"{x} 个客户端加入")\nq1.check()', False),  # a number changed
        ('x = 3\nprint(f"{x + 1} 个客户端加入")\nq1.check()', False),  # an expression changed
        ('x = 3\nprint(f"{x} 个客户端加入")', False),  # a line dropped
        ('x = 3\nprint(f"{x} 个客户端加入"\nq1.check()', False),  # does not parse
    ],
)
def test_a_code_translation_may_change_comments_and_strings_only(chinese, ok):
    english = 'x = 3  # three clients\nprint(f"{x} clients joined")\nq1.check()'
    if ok:
        tr.check_code_translation(english, chinese, "cell")
    else:
        with pytest.raises(tr.TranslationError, match="cell"):
            tr.check_code_translation(english, chinese, "cell")


def test_solution_markers_must_survive_translation():
    english = "def f():\n    ### BEGIN SOLUTION\n    return 1  # one\n    ### END SOLUTION"
    tr.check_code_translation(english, english.replace("# one", "# 一"), "cell")
    with pytest.raises(tr.TranslationError, match="markers"):
        tr.check_code_translation(english, english.replace("### END SOLUTION", "### 结束"), "cell")


def test_a_glossary_term_rendered_otherwise_is_reported(course):
    rel = tr.CATALOGUES / "notebooks" / "99_demo.po"
    _fill(course, rel, "md1", "# 第 99 课\n\n联合学习对**模型**求平均。")  # 联合学习: not the course's term
    problems = tr.term_problems(course)
    assert any("99_demo.po" in p and "联邦学习" in p for p in problems)
    _fill(course, rel, "md1", "# 第 99 课\n\n联邦学习对**模型**求平均。")
    assert not [p for p in tr.term_problems(course) if "99_demo.po" in p]


def test_the_build_puts_the_translation_in_and_chooses_chinese_first(course):
    rel = tr.CATALOGUES / "notebooks" / "99_demo.po"
    _fill(course, rel, "code1", 'x = 3  # 三个客户端\nprint(f"{x} 个客户端加入")\nq1.check()')
    notebooks, _ = tr.build(course)
    nb = notebooks[tr.EDITION / "notebooks" / "99_demo.ipynb"]
    assert [c.id for c in nb.cells] == ["md1", tr.SETUP_CELL_ID, "code1", "code2"]
    assert 'i18n.set_language("zh")' in nb.cells[1].source
    assert "个客户端加入" in nb.cells[2].source and nb.cells[3].source == "y = x + 1"
    assert nb.cells[0].source.startswith("# Lesson 99")  # not translated yet: English, and the gate says so


# --- the real catalogues and the built Chinese edition ---------------------------------------------------


def _package_entries():
    for path in sorted((ROOT / tr.PACKAGE_LOCALE).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgstr:
                yield path.name, entry


def _fields(text: str) -> list[str]:
    try:
        return sorted(f for _, f, _, _ in string.Formatter().parse(text) if f is not None)
    except ValueError:
        return ["<not a format string>"]


def test_every_translated_message_keeps_its_placeholders():
    wrong = [
        f"{name}: {entry.msgid[:50]!r}"
        for name, entry in _package_entries()
        if "{" in entry.msgid and _fields(entry.msgid) != _fields(entry.msgstr)
    ]
    assert not wrong, "a translation lost or renamed a {placeholder}:\n" + "\n".join(wrong)


def test_the_glossary_has_a_chinese_edition_with_every_term():
    zh = json.loads((ROOT / "zh" / tr.GLOSSARY).read_text(encoding="utf-8"))
    english = json.loads((ROOT / tr.GLOSSARY).read_text(encoding="utf-8"))
    assert [t["id"] for t in zh["terms"]] == [t["id"] for t in english["terms"]]
    assert all(CJK.search(t["term"] + t["definition"]) for t in zh["terms"])


def test_every_english_notebook_has_a_chinese_twin():
    english = sorted(p for folder in ("notebooks", "solutions") for p in (ROOT / folder).glob("*.ipynb"))
    assert [_english_of(p) for p in ZH_NOTEBOOKS if p.parent.name != "exercises"] == english


@pytest.mark.parametrize("path", ZH_NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_markdown_cell_reads_chinese(path):
    nb = nbformat.read(path, 4)
    english = [
        c for c in nb.cells if c.cell_type == "markdown" and not CJK.search(c.source) and c.source.strip()
    ]
    assert not english, f"markdown cells still in English: {[c.id for c in english]}"


@pytest.mark.parametrize(
    "path",
    [p for p in ZH_NOTEBOOKS if p.parent.name != "exercises"],
    ids=lambda p: p.relative_to(ROOT).as_posix(),
)
def test_a_chinese_notebook_prints_the_numbers_the_english_one_prints(path):
    """Same code, same seeds: every printed number is the same (a translated string changed nothing)."""
    zh = {c.id: c for c in nbformat.read(path, 4).cells if c.cell_type == "code"}
    differ = []
    for cell in nbformat.read(_english_of(path), 4).cells:
        if cell.cell_type != "code" or cell.id not in zh or "NBVAL_IGNORE_OUTPUT" in cell.source:
            continue  # nbval ignores that cell's output too: timings, bytes measured live
        english, chinese = _text_outputs(cell), _text_outputs(zh[cell.id])
        if sorted(NUMBER.findall(english)) != sorted(NUMBER.findall(chinese)):
            differ.append(f"cell {cell.id}: {english[:120]!r} vs {chinese[:120]!r}")
    assert not differ, "\n".join(differ)


def _columns(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: East Asian wide and fullwidth characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def _edges(line: str, align: str, cell: str) -> list[int]:
    """Where each column of a printed table row sits, in display columns: a left-aligned column's first
    column, a right-aligned column's last column + 1. Cells are set apart by two spaces or more."""
    cells = [(_columns(line[: m.start()]), _columns(line[: m.end()])) for m in re.finditer(cell, line)]
    if align[0] == "l" and line.startswith(" "):
        cells.insert(0, (0, 0))  # a header with nothing above the rows' names
    assert len(cells) >= len(align), f"{line!r} has {len(cells)} cells, the table {len(align)} columns"
    return [start if a == "l" else end for a, (start, end) in zip(align, cells)]


CELL = r"\S+(?: \S+)*"  # single spaces stay inside a cell ("65.5% ± 5.0%", "第 04 课 MLP")
# The fixed-width tables the Chinese lessons print: (notebook, cell id, its lines, the columns' alignment,
# "l" left or "r" right, from the first column; more columns may follow unchecked, a note after a header),
# and how a cell is found if not by CELL.
ZH_TABLES = [
    ("02_averaging_formula", "7c8130c9", slice(0, 3), "ll", CELL),  # translated labels, spaces by hand
    ("02_averaging_formula", "810463a8", slice(0, 3), "lrrr", CELL),  # same/different start: pad()
    ("03_two_workers_pytorch", "6990febc", slice(1, 4), "rllllrr", CELL),  # the communication log
    ("03_two_workers_pytorch", "e967ed89", [*range(7), *range(8, 14)], "rllllrr", CELL),  # ... and a long one
    ("03_two_workers_pytorch", "45bc7334", slice(0, 4), "ll", CELL),  # federated vs alone: pad(name, 26)
    ("05_when_clients_differ", "f0719ed5", slice(0, 4), "lrrr", CELL),  # stragglers: pad(header, 20, ">")
    ("06_privacy_is_not_automatic", "30e9ce60", slice(1, 6), "lrrr", CELL),  # epsilon by sigma and rounds
    ("07_attacks_on_the_model", "d1a3583a", slice(0, 3), "ll", CELL),
    ("07_attacks_on_the_model", "6f119ab0", slice(0, 7), "lrrrrrrr", CELL),  # aggregators x attacks
    ("07_attacks_on_the_model", "9bcace34", slice(0, 9), "lrrr", CELL),  # assumed f: padded headers
    ("08_applications", "e52ca710", slice(0, 5), "lr", CELL),  # hospitals: English names, Chinese after
    ("08_applications", "1d49c34a", slice(0, 5), "lrrr", r"^[a-z]+(?: [a-z]+)?|[+-]\d\.\d+|\d+%"),  # gains
    ("08_applications", "64c65079", slice(0, 5), "lrr", r"^\w+|\d+(?= 位)|[\d.]+%"),  # banks
    ("10_faq_and_next_steps", "93027a36", slice(0, 3), "lrrr", r"\d[\d,]*\d|" + CELL),  # full: 1 space apart
    ("10_faq_and_next_steps", "82b8e8d2", slice(0, 5), "rrrl", CELL),
]


@pytest.mark.parametrize(
    ("name", "cell_id", "lines", "align", "cell"), ZH_TABLES, ids=[f"{t[0][:2]}-{t[1]}" for t in ZH_TABLES]
)
def test_a_chinese_table_lines_up_in_a_fixed_width_font(name, cell_id, lines, align, cell):
    """f"{name:<26}" pads by characters and a Chinese character takes two columns: such a table drifts.
    Where Chinese text is padded the lessons use i18n.pad; here the stored outputs are measured."""
    nb = nbformat.read(ROOT / "zh" / "notebooks" / f"{name}.ipynb", 4)
    text = _text_outputs(next(c for c in nb.cells if c.id == cell_id)).splitlines()
    table = text[lines] if isinstance(lines, slice) else [text[i] for i in lines]
    assert len(table) >= 3, text  # the table is there, header and rows
    edges = {tuple(_edges(line, align, cell)) for line in table}
    assert len(edges) == 1, "columns do not line up:\n" + "\n".join(table)


EDITIONS = [ROOT, ROOT / "zh"]


@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "zh"])
def test_every_link_to_a_heading_finds_it(edition):
    """``lesson.ipynb#heading`` links land on a heading (the build re-points them at the Chinese headings)."""
    from urllib.parse import unquote

    broken = []
    for path in sorted(edition.glob("*/[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, 4).cells:
            if cell.cell_type != "markdown":
                continue
            for match in tr.ANCHOR_LINK.finditer(cell.source):
                target = (
                    path.parent.parent
                    / (match.group(2) or path.parent.name)
                    / f"{match.group(3) or path.stem}.ipynb"
                )
                headings = {
                    tr._anchor(h)
                    for c in nbformat.read(target, 4).cells
                    if c.cell_type == "markdown"
                    for h in tr.HEADING.findall(c.source)
                }
                if unquote(match.group(4)) not in headings:
                    broken.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not broken, "\n".join(broken)


def test_a_prose_edit_keeps_the_outputs_and_a_code_edit_does_not():
    def notebook(prose, code):
        nb = nbformat.v4.new_notebook()
        md, cell = nbformat.v4.new_markdown_cell(prose), nbformat.v4.new_code_cell(code)
        md.id, cell.id = "m", "c"
        nb.cells = [md, cell]
        nb.metadata["fedlearn_edu"] = {"language": "zh"}
        return nb

    ran = notebook("旧的说明", "print(1)")
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    ran.cells[1].execution_count = 1
    prose = notebook("新的说明", "print(1)")
    assert tr.keep_outputs(ran, prose) and prose.cells[1].outputs[0].text == "1\n"
    code = notebook("旧的说明", "print(2)")
    assert not tr.keep_outputs(ran, code) and code.cells[1].outputs == []


def test_no_chinese_figure_text_goes_through_mathtext():
    """A label with $...$ is drawn by mathtext, whose font has no Chinese: it would draw boxes (and only log it)."""
    mixed = [
        f"{name}: {entry.msgid!r}"
        for name, entry in _package_entries()
        if name in ("plots.po", "widgets.po") and "$" in entry.msgstr and CJK.search(entry.msgstr)
    ]
    assert not mixed, "write the symbol in Unicode (w₁) in the Chinese label:\n" + "\n".join(mixed)


def test_the_gate_ignores_jupyterlab_checkpoints_but_not_a_stray_file(course, capsys):
    # JupyterLab (and the browser test) leave .ipynb_checkpoints/ in zh/; git ignores them, so must the gate
    shutil.copy(
        ROOT / tr.CATALOGUES / "docs" / "glossary.po", course / tr.CATALOGUES / "docs" / "glossary.po"
    )
    for folder in ("notebooks", "solutions"):
        rel = tr.CATALOGUES / folder / "99_demo.po"
        _fill(course, rel, "md1", "# 第 99 课\n\n联邦学习对**模型**求平均。")
        _fill(course, rel, "code1", 'x = 3  # 三个客户端\nprint(f"{x} 个客户端加入")\nq1.check()')
    assert tr.cmd_build(course, execute=False) == 0
    assert tr.cmd_check(course) == 0
    checkpoints = course / tr.EDITION / "notebooks" / ".ipynb_checkpoints"
    checkpoints.mkdir()
    (checkpoints / "99_demo-checkpoint.ipynb").write_text("{}", encoding="utf-8")
    capsys.readouterr()
    assert tr.cmd_check(course) == 0, capsys.readouterr().out
    (course / tr.EDITION / "notebooks" / "98_stray.ipynb").write_text("{}", encoding="utf-8")
    assert tr.cmd_check(course) == 1
    assert "98_stray.ipynb has no English source" in capsys.readouterr().out
