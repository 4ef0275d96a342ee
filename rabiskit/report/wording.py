"""The report's texts that come from elsewhere, in the report's language: the level rules'
conditions, the readers' problem reasons, the digitisation module's warnings and check
details.  Those modules speak English (their messages are for the command line); a
Kazakh or Russian report shows them in its own language.

Each function returns the English text unchanged for an English report; a text it does
not know (a rule's own description written by the user, a problem it has no pattern
for) is kept as it is.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from rabiskit.report.messages import language_name

# -- level rules -----------------------------------------------------------------------
_RULE_WORDS = {
    "kk": {"leader": "маркер", "is": "—", "is_one_of": "мынаның бірі:", "is_not": "емес:",
           "is_not_one_of": "мыналардың ешқайсысы емес:", "present": "бар", "absent": "жоқ",
           "equals": "тең", "not_equals": "тең емес", "contains": "ішінде бар",
           "not_contains": "ішінде жоқ", "matches": "үлгіге сәйкес",
           "not_matches": "үлгіге сәйкес емес", "or": "немесе", "any": "кез келген жазба",
           "and": ", "},
    "ru": {"leader": "маркер", "is": "=", "is_one_of": "одно из:", "is_not": "не",
           "is_not_one_of": "ни одно из:", "present": "есть", "absent": "нет",
           "equals": "равно", "not_equals": "не равно", "contains": "содержит",
           "not_contains": "не содержит", "matches": "соответствует шаблону",
           "not_matches": "не соответствует шаблону", "or": "или", "any": "любая запись",
           "and": ", "},
}


def _where(c) -> str:
    if c.kind == "leader":
        where = "leader"
    elif c.kind == "field":
        where = c.tag
    else:
        where = f"{c.tag}${c.code}"
    if c.start is not None:
        where += f"/{c.start:02d}" if c.kind == "leader" else f"/{c.start}"
        if c.end is not None and c.end - c.start > 1:
            where += f"-{c.end - 1:02d}" if c.kind == "leader" else f"-{c.end - 1}"
    return where


def condition_text(c, lang: str) -> str:
    """A rule condition in kk / ru (``Condition.describe()`` in English)."""
    if lang not in _RULE_WORDS:
        return c.describe()
    w = _RULE_WORDS[lang]
    where = _where(c).replace("leader", w["leader"])
    if c.test == "present":
        return f"{where} {w['absent'] if c.negate else w['present']}"
    if c.test == "chars":
        chars = c.values[0]
        if len(chars) > 1:
            return f"{where} {w['is_not_one_of'] if c.negate else w['is_one_of']} {', '.join(chars)}"
        return f"{where} {w['is_not'] if c.negate else w['is']} {chars}"
    verb = {"equals": "equals", "contains": "contains", "regex": "matches"}[c.test]
    if c.negate:
        verb = "not_" + verb
    shown = f" {w['or']} ".join(f"«{v}»" for v in c.values)
    return f"{where} {w[verb]} {shown}"


def rule_text(rule, lang: str) -> str:
    """A level rule's conditions in the report's language; a description the user wrote
    (one that is not the generated one) is kept as written."""
    desc = rule.description or rule.explain()
    if lang == "en" or desc != rule.explain():
        return desc
    w = _RULE_WORDS[lang]
    parts: list[str] = []
    if rule.flavour:
        parts.append("UNIMARC" if rule.flavour == "unimarc" else "MARC 21")
    parts.extend(condition_text(c, lang) for c in rule.all_of)
    if rule.any_of:
        alternatives = f" {w['or']} ".join(condition_text(c, lang) for c in rule.any_of)
        parts.append(f"({alternatives})" if len(rule.any_of) > 1 else alternatives)
    return ", ".join(parts) if parts else w["any"]


# -- problem reasons -------------------------------------------------------------------
#: (pattern, kk, ru): the readers' messages seen in real exports; groups are kept
_REASONS: list[tuple[re.Pattern, str, str]] = [(re.compile(p), kk, ru) for p, kk, ru in (
    (r"^marked deleted \(leader/05 d\)$", "жойылған деп белгіленген (маркер/05 d)",
     "помечена как удалённая (маркер/05 d)"),
    (r"^no date entered$", "енгізу күні жоқ", "нет даты ввода"),
    (r"^dated (\d{4}-\d\d-\d\d)$", "енгізу күні \\1", "дата ввода \\1"),
    (r"^missing: no 100\$a and no 801 ind2=0 \$c$", "енгізу күні жоқ: 100$a да, 801 ind2=0 $c да жоқ",
     "нет даты ввода: нет ни 100$a, ни 801 ind2=0 $c"),
    (r"^missing: no 008$", "енгізу күні жоқ: 008 өрісі жоқ", "нет даты ввода: нет поля 008"),
    (r"^invalid date (.+) in (\S+)$", "\\2 өрісіндегі күн қате: \\1",
     "неверная дата \\1 в \\2"),
    (r"^record length in leader \((\d+)\) differs from the record's real length \((\d+)\)$",
     "маркердегі жазба ұзындығы (\\1) нақты ұзындығынан (\\2) өзгеше",
     "длина записи в маркере (\\1) не совпадает с действительной (\\2)"),
    (r"^record length in leader \('(.*)'\) is not a number; the record is (\d+) bytes long$",
     "маркердегі жазба ұзындығы ('\\1') сан емес; жазба \\2 байт",
     "длина записи в маркере ('\\1') не число; запись длиной \\2 байт"),
    (r"^record terminator \(1D\) missing; the next record starts right after this one$",
     "жазба соңының белгісі (1D) жоқ; келесі жазба бірден басталады",
     "нет признака конца записи (1D); следующая запись начинается сразу за этой"),
    (r"^(\d+) byte\(s\) of garbage before a record skipped$",
     "жазба алдындағы \\1 артық байт өткізілді", "пропущено \\1 лишних байт перед записью"),
    (r"^(\d+) byte\(s\) of blank line between records skipped$",
     "жазбалар арасындағы \\1 бос байт өткізілді",
     "пропущено \\1 байт пустой строки между записями"),
)]


def problem_reason(message: Any, lang: str) -> Any:
    """A reader's problem message in kk / ru when it is one of the known ones."""
    if lang == "en" or not isinstance(message, str):
        return message
    for pattern, kk, ru in _REASONS:
        m = pattern.match(message)
        if m:
            return m.expand(kk if lang == "kk" else ru)
    return message


# -- digitisation ----------------------------------------------------------------------
_WARNINGS: list[tuple[re.Pattern, str, str]] = [(re.compile(p), kk, ru) for p, kk, ru in (
    (r"^the plan lists no newspapers",
     "Жоспарда газеттер тізімі жоқ ([digitisation] newspapers = [...]): барлық мақала журнал "
     "мақаласы ретінде есептелді",
     "В плане нет списка газет ([digitisation] newspapers = [...]): все статьи учтены как "
     "журнальные"),
    (r"^the plan is for (\d+), the period is in (\d+)",
     "Жоспар \\1 жылға, кезең \\2 жылда: жоспар тоқсандары алынды",
     "План на \\1 год, период в \\2 году: взяты кварталы плана"),
    (r"^the plan links digitised copies in (\S+), but only 856\$u was available",
     "Жоспар бойынша цифрлық көшірме \\1 өрісінде, бірақ бұл жазбаларда тек 856$u бар",
     "По плану ссылка на цифровую копию в \\1, но у этих записей есть только 856$u"),
)]


def digitisation_warning(text: str, lang: str) -> str:
    if lang == "en":
        return text
    for pattern, kk, ru in _WARNINGS:
        m = pattern.match(text)
        if m:
            return m.expand(kk if lang == "kk" else ru)
    return text


_DETAIL_KEYS = {
    "kk": {"source": "көзі", "file": "файл", "record": "жазба", "offset": "байт", "id": "001",
           "title": "атауы", "pdf": "PDF", "link": "сілтеме", "type": "түрі", "line": "жол",
           "catalogue_pages": "каталогтағы бет саны", "pdf_pages": "PDF бет саны",
           "catalogue_pages_source": "бет саны қайдан", "pages": "бет саны",
           "created": "жасалған күні", "encrypted": "шифрланған", "readable": "оқылады",
           "path": "жолы", "name": "аты", "message": "себебі", "size": "өлшемі",
           "reason": "себебі", "note": "ескерту", "created_source": "күні қайдан"},
    "ru": {"source": "источник", "file": "файл", "record": "запись", "offset": "байт",
           "id": "001", "title": "заглавие", "pdf": "PDF", "link": "ссылка", "type": "вид",
           "line": "строка", "catalogue_pages": "страниц в каталоге", "pdf_pages": "страниц в PDF",
           "catalogue_pages_source": "откуда число страниц", "pages": "страниц",
           "created": "дата создания", "encrypted": "зашифрован", "readable": "читается",
           "path": "путь", "name": "имя", "message": "причина", "size": "размер",
           "reason": "причина", "note": "примечание", "created_source": "откуда дата"},
}
_DETAIL_VALUES = {
    "kk": {"catalogue": "каталог", "log": "журнал", "True": "иә", "False": "жоқ",
           "newspaper_article": "газет мақаласы", "journal_article": "журнал мақаласы",
           "book": "кітап", "other": "басқа", "range": "беттер аралығы",
           "extent": "көлемі (215/300)", "pdf": "PDF", "pdf (file modified)": "PDF (өзгертілген күні)",
           "changed": "өзгертілген күні (005)", "entered": "енгізу күні"},
    "ru": {"catalogue": "каталог", "log": "журнал", "True": "да", "False": "нет",
           "newspaper_article": "газетная статья", "journal_article": "журнальная статья",
           "book": "книга", "other": "другое", "range": "диапазон страниц",
           "extent": "объём (215/300)", "pdf": "PDF", "pdf (file modified)": "PDF (дата изменения)",
           "changed": "дата изменения (005)", "entered": "дата ввода"},
}


def detail_text(item: Any, lang: str) -> str:
    """A check's details ('source: catalogue; file: ...') in the report's language."""
    if not isinstance(item, Mapping):
        return str(item)
    keys = _DETAIL_KEYS.get(lang, {})
    values = _DETAIL_VALUES.get(lang, {})
    parts = []
    for k, v in item.items():
        if v in (None, "", [], {}):
            continue
        shown = values.get(str(v), v) if not isinstance(v, (list, dict)) else v
        if isinstance(shown, list):
            shown = ", ".join(str(x) for x in shown)
        elif isinstance(shown, dict):
            shown = detail_text(shown, lang)
        if k in ("language",):
            shown = language_name(str(v), lang)
        parts.append(f"{keys.get(k, k)}: {shown}")
    return "; ".join(parts)


Wording = Callable[[Any, str], Any]
