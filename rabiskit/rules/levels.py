"""The catalogue level keys and digitisation type keys, with their names in kk / ru / en.

A *level key* is the short English key a record is counted under (``book``, ``article`` ...);
it is what the plan file, the JSON outputs and the rules use.  The names are what the
librarian sees in tables and reports: Kazakh first (the plan is written in Kazakh), then
Russian and English.  A plan file may add level keys of its own (with names) under
``[level_names.KEY]``; see :mod:`rabiskit.plan.load`.
"""

from __future__ import annotations

from typing import Mapping

LANGUAGES = ("kk", "ru", "en")

#: The built-in catalogue levels, in the order the plan's tables list them.
BUILTIN_LEVELS: tuple[str, ...] = ("book", "article", "local_lore", "periodical", "ebook", "cd")

#: Names of the built-in levels (the seed plan's row titles: Кітап-Книга, Мақала-Статья ...).
LEVEL_NAMES: dict[str, dict[str, str]] = {
    "book": {"kk": "Кітап", "ru": "Книга", "en": "Book"},
    "article": {"kk": "Мақала", "ru": "Статья", "en": "Article"},
    "local_lore": {"kk": "Өлкетану", "ru": "Краеведение", "en": "Local lore"},
    "periodical": {"kk": "Мерзімді басылым", "ru": "Периодика", "en": "Periodical"},
    "ebook": {"kk": "Э-кітап", "ru": "Э-книга", "en": "E-book"},
    "cd": {"kk": "CD", "ru": "CD", "en": "CD"},
}

#: The digitisation types of the plan (section V of the seed), in table order.
DIGITISATION_TYPES: tuple[str, ...] = ("newspaper_article", "journal_article", "book")

DIGITISATION_NAMES: dict[str, dict[str, str]] = {
    "newspaper_article": {"kk": "Газет мақалалары", "ru": "Газетные статьи",
                          "en": "Newspaper articles"},
    "journal_article": {"kk": "Журнал мақалалары", "ru": "Журнальные статьи",
                        "en": "Journal articles"},
    "book": {"kk": "Кітап толығымен", "ru": "Книги целиком", "en": "Whole books"},
}

#: Names of the measures of a digitisation row.
DIGITISATION_MEASURES: dict[str, dict[str, str]] = {
    "documents": {"kk": "Құжат саны", "ru": "Документов", "en": "Documents"},
    "pages": {"kk": "Бет саны", "ru": "Страниц", "en": "Pages"},
}

TOTAL_NAMES: dict[str, str] = {"kk": "Барлығы", "ru": "Итого", "en": "Total"}
YEAR_NAMES: dict[str, str] = {"kk": "Жыл", "ru": "Год", "en": "Year"}


def pick_name(names: Mapping[str, str] | None, lang: str, fallback: str) -> str:
    """The name in ``lang``; else the first of kk, ru, en that is given; else ``fallback``."""
    if names:
        if names.get(lang):
            return names[lang]
        for other in LANGUAGES:
            if names.get(other):
                return names[other]
    return fallback


def level_name(level: str, lang: str = "kk",
               extra: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """Display name of a level key; ``extra`` holds names a plan adds (and may override)."""
    if extra and level in extra:
        return pick_name(extra[level], lang, pick_name(LEVEL_NAMES.get(level), lang, level))
    return pick_name(LEVEL_NAMES.get(level), lang, level)


def digitisation_name(kind: str, lang: str = "kk") -> str:
    """Display name of a digitisation type key (``total`` included)."""
    if kind == "total":
        return TOTAL_NAMES.get(lang, TOTAL_NAMES["en"])
    return pick_name(DIGITISATION_NAMES.get(kind), lang, kind)
