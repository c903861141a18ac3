"""What is translatable in a cell, and what a translation of a cell may change."""

from __future__ import annotations

import ast
import re

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
