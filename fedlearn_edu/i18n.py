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
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "catalogue", "language", "set_language", "t"]

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
