"""The kit speaks English or Simplified Chinese: :func:`t` translates what a student reads.

The English text is the source and the key; its Chinese lives in gettext catalogues beside the code
(``fedlearn_edu/locale/zh/*.po``, one per module or lesson, read with ``polib``). Nothing is looked up
at import time: :func:`t` asks for the language when it is called, so a notebook that calls
``set_language("zh")`` gets Chinese check messages, widget labels and figure text from then on.

The language is, in this order: what :func:`set_language` chose, else the environment variable
``FEDLEARN_LANG`` (``kit.py lab --lang zh`` sets it), else English.

>>> set_language("en")
>>> t("Correct")
'Correct'
>>> set_language("zh")
>>> t("Correct")
'正确'
>>> t("{call} returned None. Did you forget a `return` statement?", call="f(3)")  # filled after translating
'f(3) 返回了 None。是不是忘了写 `return` 语句？'
>>> set_language(None)  # back to FEDLEARN_LANG, or English

A fixed-width table lines up in both languages when its text columns are padded with :func:`pad`
instead of ``f"{name:<12}"``: a Chinese character takes two columns of a fixed-width font.
"""

from __future__ import annotations

import functools
import numbers
import os
import unicodedata
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "catalogue", "display_width", "language", "pad", "set_language", "t"]

LANGUAGES = {"en": "English", "zh": "简体中文"}
LOCALE = Path(__file__).resolve().parent / "locale"
ENV = "FEDLEARN_LANG"

_chosen: str | None = None


def _normalise(lang: str, where: str) -> str:
    short = lang.strip().lower().replace("_", "-").split("-")[0]
    if short not in LANGUAGES:
        raise ValueError(f"{where} must be one of {sorted(LANGUAGES)} (or zh-CN, zh_CN); got {lang!r}")
    return short


def set_language(lang: str | None) -> None:
    """Choose the language of everything the kit says from now on: ``"en"``, ``"zh"`` or ``None``.

    ``None`` forgets the choice, so ``FEDLEARN_LANG`` (or English) decides again.
    """
    global _chosen
    if lang is not None and not isinstance(lang, str):
        raise TypeError(f"lang must be a string such as 'zh' or 'en', or None; got {type(lang).__name__}")
    _chosen = None if lang is None else _normalise(lang, "lang")


def language() -> str:
    """The language in use now: ``"en"`` or ``"zh"``."""
    if _chosen is not None:
        return _chosen
    env = os.environ.get(ENV, "").strip()
    if not env:
        return "en"
    try:
        return _normalise(env, f"the environment variable {ENV}")
    except ValueError:
        return "en"  # a typo in the environment must not stop a lesson; English is always complete


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """English text -> its translation, from every ``locale/<lang>/*.po`` (fuzzy entries excluded)."""
    try:
        import polib
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            f"the {LANGUAGES.get(lang, lang)} edition reads its catalogues with polib, which is not installed: "
            "run `python kit.py setup` (or `pip install 'fedlearn-edu[zh]'`)"
        ) from None

    table: dict[str, str] = {}
    for path in sorted((LOCALE / lang).glob("*.po")):
        for entry in polib.pofile(str(path)):
            if entry.msgstr and not entry.obsolete and "fuzzy" not in entry.flags:
                table[entry.msgid] = entry.msgstr
    return table


def t(text: str, /, **values: object) -> str:
    """``text`` in the current language (English if there is no translation), placeholders filled.

    ``values`` fill ``{name}`` placeholders with ``str.format`` *after* translating, so a translation
    may move them: ``t("{n} transfers", n=3)`` is ``'3 次传输'`` in Chinese.
    """
    lang = language()
    translated = text if lang == "en" else catalogue(lang).get(text, text)
    return translated.format(**values) if values else translated


def N_(text: str) -> str:  # gettext's name for "mark for translation, translate later"
    """Mark ``text`` for the catalogue without translating it now (it is translated where it is shown)."""
    return text


def display_width(text: str) -> int:
    """Columns ``text`` takes in a fixed-width font: East Asian wide and fullwidth characters take two.

    >>> display_width("FedAvg"), display_width("联邦平均"), display_width("第 04 课")
    (6, 8, 8)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, width: int, align: str = "<") -> str:
    """``text`` padded with spaces to ``width`` columns of a fixed-width font: a Chinese character counts two.

    ``f"{text:<12}"`` pads to 12 *characters*, so a Chinese label comes out wider than an English one and
    the columns after it drift; ``pad(text, 12)`` pads to 12 columns (see :func:`display_width`). For
    English text the two are the same string, so an English table prints exactly as before.

    ``align`` is ``"<"`` (left), ``">"`` (right) or ``"^"`` (centred, the odd space on the right, as
    ``str.format`` does). Text already ``width`` columns wide, or wider, comes back unchanged.

    >>> for name in ("FedAvg", "联邦平均"):
    ...     print(pad(name, 10) + "|" + pad("0.91", 6, ">"))
    FedAvg    |  0.91
    联邦平均  |  0.91
    >>> pad("FedAvg", 10) == f"{'FedAvg':<10}", pad("联邦", 5, ">").replace(" ", "."), pad("联邦", 3)
    (True, '.联邦', '联邦')
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a string; got {type(text).__name__}")
    if isinstance(width, bool) or not isinstance(width, numbers.Integral):
        raise TypeError(f"width must be a whole number (int); got {width!r} ({type(width).__name__})")
    if width < 0:
        raise ValueError(f"width must be a whole number >= 0; got {width}")
    if align not in ("<", ">", "^"):
        raise ValueError(f"align must be '<' (left), '>' (right) or '^' (centred); got {align!r}")
    fill = max(int(width) - display_width(text), 0)
    left = {"<": 0, ">": fill, "^": fill // 2}[align]
    return " " * left + text + " " * (fill - left)
