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

from authoring.translate.build import (
    ANCHOR_LINK,
    ANCHOR_SAFE,
    CODE_PATH,
    HEADING,
    IN_EDITION,
    MARKDOWN_LINK,
    SETUP_CELL,
    SETUP_CELL_ID,
    _anchor,
    anchors,
    build,
    keep_outputs,
    relink_anchors,
    stale_notebooks,
    translate_notebook,
)
from authoring.translate.catalogues import (
    GLOSSARY_FIELDS,
    HEADER,
    _strings_in_source,
    glossary_entries,
    merge,
    notebook_entries,
    package_catalogues,
    question_texts,
    render,
    translated_glossary,
    updated,
    wanted_catalogues,
)
from authoring.translate.commands import cmd_build, cmd_fill, cmd_todo, cmd_update
from authoring.translate.gate import cmd_check, coverage, term_problems
from authoring.translate.paths import (
    CATALOGUES,
    EDITION,
    GLOSSARY,
    LANG,
    PACKAGE_LOCALE,
    ROOT,
    SOLUTIONS_JSON,
    SOURCES,
    TERMS,
)
from authoring.translate.rules import (
    FIELD,
    MARKER,
    NOT_PROSE,
    TranslationError,
    check_code_translation,
    check_markdown_translation,
    program_skeleton,
    translatable,
)

__all__ = [
    "ANCHOR_LINK",
    "ANCHOR_SAFE",
    "CATALOGUES",
    "CODE_PATH",
    "EDITION",
    "FIELD",
    "GLOSSARY",
    "GLOSSARY_FIELDS",
    "HEADER",
    "HEADING",
    "IN_EDITION",
    "LANG",
    "MARKDOWN_LINK",
    "MARKER",
    "NOT_PROSE",
    "PACKAGE_LOCALE",
    "ROOT",
    "SETUP_CELL",
    "SETUP_CELL_ID",
    "SOLUTIONS_JSON",
    "SOURCES",
    "TERMS",
    "TranslationError",
    "_anchor",
    "_strings_in_source",
    "anchors",
    "build",
    "check_code_translation",
    "check_markdown_translation",
    "cmd_build",
    "cmd_check",
    "cmd_fill",
    "cmd_todo",
    "cmd_update",
    "coverage",
    "glossary_entries",
    "keep_outputs",
    "merge",
    "notebook_entries",
    "package_catalogues",
    "program_skeleton",
    "question_texts",
    "relink_anchors",
    "render",
    "stale_notebooks",
    "term_problems",
    "translatable",
    "translate_notebook",
    "translated_glossary",
    "updated",
    "wanted_catalogues",
]
