"""Reading a plan file (TOML) into a :class:`rabiskit.plan.model.Plan`.

One file per library and year::

    year = 2026
    library = "Сәтбаев қаласының балалар мен жасөспірімдер кітапханасы"

    [catalogue.article]              # one table per level key
    quarters = [221, 221, 221, 237]  # new records per quarter
    kazakh = [148, 148, 148, 156]    # of which in Kazakh
    year_total = 900                 # optional: the annual figures the plan states
    year_kazakh = 600

    [catalogue.total]                # optional: the plan's own total row
    quarters = [296, 286, 356, 332]
    kazakh = [213, 203, 273, 241]

    [subtotals.corporate]            # optional: a stated group of rows
    levels = ["article", "local_lore"]
    quarters = [246, 246, 246, 262]
    kazakh = [168, 168, 168, 176]
    kk = "Корпоративтік каталогтау"  # optional names: kk, ru, en

    [digitisation]
    newspapers = ["Егемен Қазақстан"]  # host titles whose articles are newspaper articles
    link_field = "856"               # optional: where the record links its digitised copy
    link_subfield = "u"
    date_order = ["pdf", "changed", "entered"]  # optional: which date dates a digitisation

    [digitisation.newspaper_article] # newspaper_article, journal_article, book, total
    documents = [3, 3, 4, 5]
    kazakh_documents = [2, 3, 2, 3]
    pages = [8, 8, 7, 5]
    kazakh_pages = [5, 5, 5, 5]
    # optional: year_documents, year_kazakh_documents, year_pages, year_kazakh_pages

    [level_names.kaleidoscope]       # names for a level key beyond the built-in six
    kk = "Кітапханалық калейдоскоп"

    [rules]                          # optional level rules: see rabiskit.plan.rules_toml

    full_name = "«Сәтбаев қаласының ...» КММ"  # optional: the name for the report's heading

    [control]                        # optional: section II's control indicators as stated
    records = [315, 285, 355, 315]   # records, records_kazakh, documents, documents_kazakh,
    records_year = 1270              # pages, pages_kazakh; each with an optional KEY_year

    [last_year]                      # optional: last year's plan (and actuals)
    year = 2025
    plan = { records = 1270, records_kazakh = 930 }
    actual = { records = 1270 }

    [signatures.director]            # optional: director, responsible
    post = "Директор"
    name = "Г.Т.Шахманова"
    [operator]                       # optional: where a record names its cataloguer
    field = "907"                    # (count --by operator); default IRBIS 907 ^B
    subfield = "b"                   # of the record's first 907

Anything wrong (an unknown key, a negative or fractional number, a list that does not
have four numbers, more in Kazakh than in all) raises :class:`PlanError`, whose message
names the file, the key and its line.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from rabiskit.i18n import N_
from rabiskit.plan.errors import PlanError, Where
from rabiskit.plan.model import (CONTROL_KEYS, DIGITISATION_COLUMNS, ControlRow,
                                 DigitisationTarget, LastYear, LevelTarget, Plan, Signature,
                                 Subtotal)
from rabiskit.plan.rules_toml import rules_from_toml
from rabiskit.rules.levels import BUILTIN_LEVELS, DIGITISATION_TYPES, LANGUAGES

__all__ = ["PlanError", "load_plan", "default_plan", "parse_plan", "DEFAULT_PLAN_NAME"]

DEFAULT_PLAN_NAME = "default_2026.toml"
BUILT_IN = N_("built-in plan (2026)")

TOP_KEYS = ("year", "library", "catalogue", "subtotals", "digitisation", "level_names", "rules",
            "full_name", "control", "last_year", "signatures", "operator")
CONTROL_ROW_KEYS = CONTROL_KEYS + tuple(f"{k}_year" for k in CONTROL_KEYS)
SIGNATURE_KEYS = ("director", "responsible")
OPERATOR_KEYS = ("field", "subfield")
LEVEL_ROW_KEYS = ("quarters", "kazakh", "year_total", "year_kazakh")
SUBTOTAL_KEYS = ("levels",) + LEVEL_ROW_KEYS + LANGUAGES
DIGITISATION_KEYS = ("newspapers", "link_field", "link_subfield", "date_order") + \
    DIGITISATION_TYPES + ("total",)
DIGITISATION_ROW_KEYS = DIGITISATION_COLUMNS + tuple(f"year_{c}" for c in DIGITISATION_COLUMNS)
DATE_SOURCES = ("pdf", "changed", "entered")
QUARTER_NAMES = ("Q1", "Q2", "Q3", "Q4")

_LEVEL_KEY = re.compile(r"^[a-z][a-z0-9_]*$")
_TOML_LINE = re.compile(r"\(at line (\d+), column (\d+)\)")


# -- small validators ------------------------------------------------------------------
def _table(where: Where, path: tuple, value: Any, example: str) -> dict:
    if not isinstance(value, dict):
        raise where.error(path, N_("expected a table, e.g. {example}").format(example=example))
    return value


def _count(where: Where, path: tuple, value: Any) -> int:
    """A whole number, zero or more."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise where.error(path, N_("expected a whole number, not {value!r}").format(value=value))
    if isinstance(value, float):
        raise where.error(path, N_("{value} is not a whole number").format(value=value))
    if value < 0:
        raise where.error(path, N_("{value} is negative; a plan figure is zero or more").format(
            value=value))
    return value


def _quarters(where: Where, path: tuple, value: Any) -> tuple[int, int, int, int]:
    """A list of four whole numbers, one per quarter."""
    if not isinstance(value, list):
        raise where.error(path, N_("expected four numbers, one per quarter, e.g. [3, 3, 4, 5], not {value!r}").format(
            value=value))
    if len(value) != 4:
        raise where.error(path, (N_("has {n} number; a plan gives four, one per quarter, e.g. [3, 3, 4, 5]") if len(value) == 1 else N_("has {n} numbers; a plan gives four, one per quarter, e.g. [3, 3, 4, 5]")).format(
            n=len(value)))
    out = []
    for q, item in zip(QUARTER_NAMES, value):
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            raise where.error(path, N_("{q} is {item!r}: expected a whole number").format(
                q=q, item=item))
        if isinstance(item, float):
            raise where.error(path, N_("{q} is {item}: not a whole number").format(q=q, item=item))
        if item < 0:
            raise where.error(path, N_("{q} is {item}: a plan figure cannot be negative").format(
                q=q, item=item))
        out.append(item)
    return tuple(out)  # type: ignore[return-value]


def _not_above(where: Where, path: tuple, part: tuple[int, ...], whole: tuple[int, ...],
               part_name: str, whole_name: str) -> None:
    for q, p, w in zip(QUARTER_NAMES, part, whole):
        if p > w:
            raise where.error(path, N_("{q} says {p} {part_name}, more than the {w} {whole_name}").format(
                q=q, p=p, part_name=part_name, w=w, whole_name=whole_name))


def _names(where: Where, path: tuple, table: dict) -> dict[str, str]:
    names: dict[str, str] = {}
    for lang in LANGUAGES:
        if lang in table:
            value = table[lang]
            if not isinstance(value, str) or not value.strip():
                raise where.error(path + (lang,), "a name is a text in quotes")
            names[lang] = value.strip()
    return names


# -- sections --------------------------------------------------------------------------
def _level_names(where: Where, data: Any) -> dict[str, dict[str, str]]:
    root = ("level_names",)
    data = _table(where, root, data, '[level_names.kaleidoscope] kk = "..."')
    out: dict[str, dict[str, str]] = {}
    for key, table in data.items():
        path = root + (key,)
        if not _LEVEL_KEY.match(key) or key == "total":
            raise where.error(path, N_("{key!r} cannot be a level key: use small Latin letters, digits and _, starting with a letter (and not 'total')").format(
                key=key))
        table = _table(where, path, table, f'[level_names.{key}] kk = "..." ru = "..." en = "..."')
        where.check_keys(table, LANGUAGES, path)
        names = _names(where, path, table)
        if not names:
            raise where.error(path, "give at least one name: kk, ru or en")
        out[key] = names
    return out


def _level_row(where: Where, path: tuple, table: Any, extra_keys: tuple[str, ...] = ()
               ) -> LevelTarget:
    table = _table(where, path, table, "quarters = [221, 221, 221, 237]")
    where.check_keys(table, LEVEL_ROW_KEYS + extra_keys, path)
    if "quarters" not in table:
        raise where.error(path, "has no quarters = [..., ..., ..., ...] (new records per quarter)")
    quarters = _quarters(where, path + ("quarters",), table["quarters"])
    kazakh = (_quarters(where, path + ("kazakh",), table["kazakh"]) if "kazakh" in table
              else (0, 0, 0, 0))
    _not_above(where, path + ("kazakh",), kazakh, quarters, "in Kazakh", "in all")
    year_total = _count(where, path + ("year_total",), table["year_total"]) \
        if "year_total" in table else None
    year_kazakh = _count(where, path + ("year_kazakh",), table["year_kazakh"]) \
        if "year_kazakh" in table else None
    return LevelTarget(quarters, kazakh, year_total, year_kazakh)


def _catalogue(where: Where, data: Any, known: tuple[str, ...]
               ) -> tuple[dict[str, LevelTarget], LevelTarget | None]:
    root = ("catalogue",)
    data = _table(where, root, data, "[catalogue.article] quarters = [...] kazakh = [...]")
    rows: dict[str, LevelTarget] = {}
    total = None
    for key, table in data.items():
        path = root + (key,)
        if key == "total":
            total = _level_row(where, path, table)
            continue
        if key not in known:
            raise where.error(path, N_("unknown level {key!r}; known levels: {items} (a new level needs its names under [level_names.{key}])").format(
                key=key, items=', '.join(known)))
        rows[key] = _level_row(where, path, table)
    return rows, total


def _subtotals(where: Where, data: Any, known: tuple[str, ...]) -> dict[str, Subtotal]:
    root = ("subtotals",)
    data = _table(where, root, data, '[subtotals.corporate] levels = ["article", "local_lore"]')
    out: dict[str, Subtotal] = {}
    for key, table in data.items():
        path = root + (key,)
        table = _table(where, path, table, 'levels = ["article", "local_lore"]')
        where.check_keys(table, SUBTOTAL_KEYS, path)
        levels = table.get("levels")
        if (not isinstance(levels, list) or not levels
                or not all(isinstance(x, str) for x in levels)):
            raise where.error(path + ("levels",) if "levels" in table else path,
                              'needs levels = [...], the level keys it adds up, e.g. '
                              '["article", "local_lore"]')
        for level in levels:
            if level not in known:
                raise where.error(path + ("levels",), N_("unknown level {level!r}; known levels: {items}").format(
                    level=level, items=', '.join(known)))
        row = _level_row(where, path, {k: v for k, v in table.items()
                                       if k in LEVEL_ROW_KEYS}, ())
        out[key] = Subtotal(tuple(levels), row, _names(where, path, table))
    return out


def _digitisation_row(where: Where, path: tuple, table: Any) -> DigitisationTarget:
    table = _table(where, path, table, "documents = [3, 3, 4, 5] pages = [8, 8, 7, 5]")
    where.check_keys(table, DIGITISATION_ROW_KEYS, path)
    for needed in ("documents", "pages"):
        if needed not in table:
            raise where.error(path, N_("has no {needed} = [..., ..., ..., ...]").format(
                needed=needed))
    values: dict[str, Any] = {}
    for column in DIGITISATION_COLUMNS:
        values[column] = (_quarters(where, path + (column,), table[column]) if column in table
                          else (0, 0, 0, 0))
        year_key = f"year_{column}"
        if year_key in table:
            values[year_key] = _count(where, path + (year_key,), table[year_key])
    _not_above(where, path + ("kazakh_documents",), values["kazakh_documents"],
               values["documents"], "Kazakh documents", "documents in all")
    _not_above(where, path + ("kazakh_pages",), values["kazakh_pages"], values["pages"],
               "Kazakh pages", "pages in all")
    return DigitisationTarget(**values)


def _digitisation(where: Where, data: Any) -> dict[str, Any]:
    root = ("digitisation",)
    data = _table(where, root, data, "[digitisation.newspaper_article] documents = [...]")
    where.check_keys(data, DIGITISATION_KEYS, root)
    out: dict[str, Any] = {"rows": {}, "total": None}
    for key in DIGITISATION_TYPES:
        if key in data:
            out["rows"][key] = _digitisation_row(where, root + (key,), data[key])
    if "total" in data:
        out["total"] = _digitisation_row(where, root + ("total",), data["total"])
    if "newspapers" in data:
        titles = data["newspapers"]
        if not isinstance(titles, list) or not all(isinstance(t, str) and t.strip()
                                                   for t in titles):
            raise where.error(root + ("newspapers",), 'expected a list of titles, e.g. '
                                                      '["Егемен Қазақстан", "Ұлытау өңірі"]')
        out["newspapers"] = tuple(t.strip() for t in titles)
    if "link_field" in data:
        tag = data["link_field"]
        if not isinstance(tag, str) or not re.fullmatch(r"[0-9A-Za-z]{3}", tag):
            raise where.error(root + ("link_field",), N_('a field tag has three characters, e.g. "856", not {tag!r}').format(
                tag=tag))
        out["link_field"] = tag
    if "link_subfield" in data:
        code = data["link_subfield"]
        if not isinstance(code, str) or len(code) != 1:
            raise where.error(root + ("link_subfield",), N_('a subfield code is one character, e.g. "u", not {code!r}').format(
                code=code))
        out["link_subfield"] = code
    if "date_order" in data:
        order = data["date_order"]
        if (not isinstance(order, list) or not order
                or not all(isinstance(x, str) and x in DATE_SOURCES for x in order)
                or len(set(order)) != len(order)):
            raise where.error(root + ("date_order",), N_('expected a list of dates to try, from {items}, e.g. ["pdf", "changed", "entered"]').format(
                items=', '.join(DATE_SOURCES)))
        out["date_order"] = tuple(order)
    return out


def _control(where: Where, data: Any) -> dict[str, ControlRow]:
    root = ("control",)
    data = _table(where, root, data, "[control] records = [315, 285, 355, 315]")
    where.check_keys(data, CONTROL_ROW_KEYS, root)
    out: dict[str, ControlRow] = {}
    for key in CONTROL_KEYS:
        if key not in data:
            if f"{key}_year" in data:
                raise where.error(root + (f"{key}_year",), f"gives the year but not {key} = "
                                                           f"[..., ..., ..., ...]")
            continue
        quarters = _quarters(where, root + (key,), data[key])
        year = _count(where, root + (f"{key}_year",), data[f"{key}_year"]) \
            if f"{key}_year" in data else None
        out[key] = ControlRow(quarters, year)
    if not out:
        raise where.error(root, "gives no figure: records = [...], documents = [...] ...")
    return out


def _last_year(where: Where, data: Any, year: int) -> LastYear:
    root = ("last_year",)
    data = _table(where, root, data, "[last_year] year = 2025 plan = { records = 1270 }")
    where.check_keys(data, ("year", "plan", "actual"), root)
    ly = data.get("year", year - 1)
    if isinstance(ly, bool) or not isinstance(ly, int) or not 1900 <= ly <= 2200:
        raise where.error(root + ("year",), f"expected a year such as {year - 1}, not {ly!r}")
    parts: dict[str, dict[str, int]] = {}
    for part in ("plan", "actual"):
        table = _table(where, root + (part,), data.get(part, {}), f"{part} = {{ records = 1270 }}")
        where.check_keys(table, CONTROL_KEYS, root + (part,))
        parts[part] = {k: _count(where, root + (part, k), v) for k, v in table.items()}
    return LastYear(ly, parts["plan"], parts["actual"])


def _signatures(where: Where, data: Any) -> dict[str, Signature]:
    root = ("signatures",)
    data = _table(where, root, data, '[signatures.director] post = "Директор" name = "..."')
    where.check_keys(data, SIGNATURE_KEYS, root)
    out: dict[str, Signature] = {}
    for key, table in data.items():
        path = root + (key,)
        table = _table(where, path, table, 'post = "Директор" name = "Г.Т.Шахманова"')
        where.check_keys(table, ("post", "name"), path)
        values = {}
        for k in ("post", "name"):
            v = table.get(k, "")
            if not isinstance(v, str):
                raise where.error(path + (k,), "a text in quotes")
            values[k] = v.strip()
        out[key] = Signature(**values)
    return out
def _operator(where: Where, data: Any) -> dict:
    """The ``[operator]`` table: the field and subfield that name a record's cataloguer."""
    root = ("operator",)
    _table(where, root, data, '[operator] with field = "907" and subfield = "b"')
    where.check_keys(data, OPERATOR_KEYS, root)
    for key in OPERATOR_KEYS:
        if key not in data:
            raise where.error(root, f"[operator] needs both field and subfield, e.g. field = "
                                    f"\"907\" and subfield = \"b\" ({key} is missing)")
    tag, code = data["field"], data["subfield"]
    if not isinstance(tag, str) or not re.fullmatch(r"[0-9A-Za-z]{3}", tag):
        raise where.error(root + ("field",), f"a field tag has three characters, e.g. \"907\", "
                                             f"not {tag!r}")
    if tag < "010" and tag.isdigit():
        raise where.error(root + ("field",), f"{tag} is a control field: it has no subfields")
    if not isinstance(code, str) or len(code) != 1 or not code.strip():
        raise where.error(root + ("subfield",), f"a subfield code is one character, e.g. "
                                                f"\"b\", not {code!r}")
    return {"operator_field": tag, "operator_subfield": code.lower(), "operator_from_plan": True}


# -- entry points ----------------------------------------------------------------------
def parse_plan(text: str, source: str = "plan.toml") -> Plan:
    """A plan from the text of a plan file; ``source`` names the file in messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = _TOML_LINE.search(str(e))
        reason = _TOML_LINE.sub("", str(e)).strip()
        raise PlanError(N_("not valid TOML: {reason}").format(
            reason=reason) + (N_(" (column {m})").format(m=m.group(2)) if m else ""),
                        source, None, int(m.group(1)) if m else None) from None
    where = Where(source, text)
    where.check_keys(data, TOP_KEYS, ())
    if "year" not in data:
        raise PlanError("the plan has no year (e.g. year = 2026 on the first line)", source)
    year = data["year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise where.error(("year",), N_("expected a year such as 2026, not {year!r}").format(
            year=year))
    library = data.get("library", "")
    if not isinstance(library, str):
        raise where.error(("library",), "the library's name is a text in quotes")
    level_names = _level_names(where, data["level_names"]) if "level_names" in data else {}
    known = BUILTIN_LEVELS + tuple(k for k in level_names if k not in BUILTIN_LEVELS)
    catalogue, catalogue_total = _catalogue(where, data.get("catalogue", {}), known)
    subtotals = _subtotals(where, data["subtotals"], known) if "subtotals" in data else {}
    digi = _digitisation(where, data["digitisation"]) if "digitisation" in data else \
        {"rows": {}, "total": None}
    rules, mode = (rules_from_toml(data["rules"], source, where, known) if "rules" in data
                   else (None, "prepend"))
    extra = {k: v for k, v in digi.items() if k not in ("rows", "total")}
    full_name = data.get("full_name", "")
    if not isinstance(full_name, str):
        raise where.error(("full_name",), "the library's full name is a text in quotes")
    extra["full_name"] = full_name.strip()
    if "control" in data:
        extra["control"] = _control(where, data["control"])
    if "last_year" in data:
        extra["last_year"] = _last_year(where, data["last_year"], year)
    if "signatures" in data:
        sig = _signatures(where, data["signatures"])
        extra["director"] = sig.get("director")
        extra["responsible"] = sig.get("responsible")
    if "operator" in data:
        extra.update(_operator(where, data["operator"]))
    return Plan(year=year, library=library.strip(), catalogue=catalogue,
                catalogue_total=catalogue_total, subtotals=subtotals,
                digitisation=digi["rows"], digitisation_total=digi["total"],
                rules=rules, rules_mode=mode, level_names=level_names, source=source, **extra)


def load_plan(path: str | Path, name: str | None = None) -> Plan:
    """Read and check a plan file; raises PlanError with the file, key and line of a fault.
    ``name``: what to call the file (in errors and the plan's ``source``) when not its
    path, e.g. the name of an uploaded plan on the user's computer."""
    shown = name if name is not None else str(path)
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise PlanError("no such file", shown) from None
    except IsADirectoryError:
        raise PlanError("is a folder, not a plan file", shown) from None
    except OSError as e:
        raise PlanError(N_("cannot be read: {v}").format(v=e.strerror or e), shown) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[:e.start].count(b"\n") + 1
        raise PlanError("is not UTF-8 text: save the plan file as UTF-8", shown, None,
                        line) from None
    return parse_plan(text, shown)


def default_plan_text() -> str:
    """The text of the packaged default plan (the seed library's 2026 plan)."""
    return resources.files("rabiskit.plan").joinpath(DEFAULT_PLAN_NAME).read_text("utf-8")


def default_plan() -> Plan:
    """The built-in default: the seed library's 2026 plan, number for number."""
    return parse_plan(default_plan_text(), BUILT_IN)
