"""The digitisation log: a CSV the library keeps for scanned work not yet in the catalogue.

Columns (header row required; order free; Kazakh and Russian headers accepted):

| column | accepted headers | value |
|---|---|---|
| date | date, күні, дата | YYYY-MM-DD or DD.MM.YYYY (required column) |
| type | type, түрі, тип | newspaper_article, journal_article, book (or газет / журнал / кітап, газета / книга, newspaper / journal) (required column) |
| pages | pages, беттер, бет саны, страниц | a whole number |
| language | language, тілі, язык | kaz / rus / ... (also kk, қазақ, каз, ru, орыс, рус) |
| title | title, атауы, заглавие | text |
| file | file, файл, pdf | the PDF's file name (or a path / URL ending in it) |

The file may be UTF-8 (with or without BOM) or Windows-1251 (Excel's "CSV" on a Russian
or Kazakh Windows); the delimiter may be a comma, a semicolon or a tab.  A bad row (an
unknown type, a date or page count that cannot be read) becomes a problem with its line
number; rows with an unknown type are not counted.  ``LogError`` is raised only when the
file as a whole cannot be used (missing, no header, no date or type column).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from rabiskit.i18n import N_
from rabiskit.digitisation.classify import link_key
from rabiskit.rules.levels import DIGITISATION_TYPES


class LogError(ValueError):
    """The log file cannot be used at all."""


COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "күні", "күн", "дата", "date digitised", "цифрланған күні"),
    "type": ("type", "түрі", "тип", "вид", "kind"),
    "pages": ("pages", "беттер", "бет", "бет саны", "страниц", "страницы", "кол-во страниц",
              "количество страниц"),
    "language": ("language", "lang", "тілі", "тіл", "язык"),
    "title": ("title", "атауы", "атауы", "заглавие", "название"),
    "file": ("file", "файл", "file name", "filename", "pdf", "файл атауы", "имя файла"),
}
REQUIRED = ("date", "type")

_LANGUAGES = {
    "kaz": ("kaz", "kk", "kz", "қаз", "каз", "қазақ", "казах", "kazakh", "қазақша",
            "қазақ тілі", "казахский"),
    "rus": ("rus", "ru", "орыс", "рус", "русский", "russian", "орысша", "орыс тілі"),
    "eng": ("eng", "en", "english", "ағылшын", "английский"),
}
_LANG_LOOKUP = {alias: code for code, aliases in _LANGUAGES.items() for alias in aliases}

_TYPE_PREFIXES = (
    ("newspaper_article", ("newspaper", "газет")),
    ("journal_article", ("journal", "magazine", "журнал")),
    ("book", ("book", "кітап", "книг")),
)


@dataclass(frozen=True)
class LogEntry:
    """One row of the log: ``line`` is its line in the file (the header is line 1);
    ``key`` the matching key of ``file`` (None when no file is given)."""

    line: int
    date: dt.date | None
    kind: str
    pages: int | None
    language: str
    title: str
    file: str
    key: str | None


@dataclass
class DigitisationLog:
    """The rows of a log file that can be counted, and the problems of the others."""

    path: str
    entries: list[LogEntry] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","


def _norm_header(text: str) -> str:
    return " ".join(text.strip().strip("\ufeff").casefold().replace("_", " ").split())


def normalise_type(text: str) -> str | None:
    """'газет мақаласы' -> 'newspaper_article'; None when the text names no type."""
    t = _norm_header(text)
    if not t:
        return None
    if t.replace(" ", "_") in DIGITISATION_TYPES:
        return t.replace(" ", "_")
    for kind, prefixes in _TYPE_PREFIXES:
        if t.startswith(prefixes):
            return kind
    return None


def normalise_language(text: str) -> str:
    """'kk' / 'қазақ' / 'KAZ' -> 'kaz'; 'ru' / 'орыс' -> 'rus'; empty -> 'und';
    any other text as written (lower-case)."""
    t = _norm_header(text)
    if not t:
        return "und"
    return _LANG_LOOKUP.get(t, t)


def parse_log_date(text: str) -> dt.date | None:
    """'2026-03-15', '15.03.2026', '15/03/2026' -> date; ValueError for other text."""
    t = text.strip()
    if not t:
        return None
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?", t)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})(?:\s.*)?", t)
        if not m:
            raise ValueError(N_("date {t!r}: write dates as YYYY-MM-DD or DD.MM.YYYY").format(t=t))
        y, mo, d = int(m.group(3)), int(m.group(2)), int(m.group(1))
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ValueError(N_("date {t!r} is not a day of the calendar").format(t=t)) from None


def _decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1251", errors="replace"), "cp1251"


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def parse_log(text: str, source: str = "log.csv") -> DigitisationLog:
    """The log's entries from its text (see the module docstring)."""
    log = DigitisationLog(source)
    lines = text.splitlines()
    header_index = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if header_index is None:
        raise LogError(N_("{source}: the log is empty; its first line names the columns ({items})").format(
            source=source, items=', '.join(COLUMNS)))
    log.delimiter = _delimiter(lines[header_index])
    reader = csv.reader(io.StringIO(text), delimiter=log.delimiter)
    rows = list(reader)
    header = rows[header_index]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        n = _norm_header(name)
        for key, aliases in COLUMNS.items():
            if n in aliases and key not in columns:
                columns[key] = i
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise LogError(N_("{source}: the header has no {items} column; the first line must name the columns: {items2}").format(
            source=source, items=' and no '.join(missing), items2=', '.join(COLUMNS)))

    def cell(row: list[str], key: str) -> str:
        i = columns.get(key)
        return row[i].strip() if i is not None and i < len(row) else ""

    for number, row in enumerate(rows[header_index + 1:], start=header_index + 2):
        if not any(c.strip() for c in row):
            continue

        def problem(message: str) -> None:
            log.problems.append({"file": source, "record": None, "offset": None,
                                 "line": number, "message": message, "kind": "log_row"})  # noqa: B023 (called in this turn of the loop)

        kind = normalise_type(cell(row, "type"))
        if kind is None:
            problem(N_("line {number}: type {cell!r} is not one of {items}; the row is not counted").format(
                number=number, cell=cell(row, 'type'), items=', '.join(DIGITISATION_TYPES)))
            continue
        try:
            date = parse_log_date(cell(row, "date"))
        except ValueError as e:
            problem(N_("line {number}: {e}; the row has no date").format(number=number, e=e))
            date = None
        pages_text = cell(row, "pages")
        pages = None
        if pages_text:
            if re.fullmatch(r"\d{1,6}", pages_text):
                pages = int(pages_text)
            else:
                problem(N_("line {number}: pages {pages_text!r} is not a whole number").format(
                    number=number, pages_text=pages_text))
        file_text = cell(row, "file")
        log.entries.append(LogEntry(line=number, date=date, kind=kind, pages=pages,
                                    language=normalise_language(cell(row, "language")),
                                    title=cell(row, "title"), file=file_text,
                                    key=link_key(file_text) if file_text else None))
    return log


def read_log(path: str | Path) -> DigitisationLog:
    """Read a log file; LogError when it is missing or has no usable header."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise LogError(N_("{p}: digitisation log not found").format(p=p)) from None
    except IsADirectoryError:
        raise LogError(N_("{p}: is a folder; give the log's CSV file").format(p=p)) from None
    except OSError as e:
        raise LogError(N_("{p}: cannot read the log ({v})").format(
            p=p, v=e.strerror or e)) from None
    text, encoding = _decode(raw)
    log = parse_log(text, str(p))
    log.encoding = encoding
    return log
