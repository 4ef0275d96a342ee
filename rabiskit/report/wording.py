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
from typing import Any, Mapping

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


def _level_word(level: str, lang: str) -> str:
    from rabiskit.rules.levels import level_name

    return level_name(level, lang)


def condition_text(c, lang: str) -> str:
    """A rule condition in kk / ru (``Condition.describe()`` in English)."""
    if lang not in _RULE_WORDS:
        return c.describe()
    w = _RULE_WORDS[lang]
    where = c.location().replace("leader", w["leader"])
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


#: the built-in rules' descriptions (rabiskit.rules.engine.DEFAULT_RULES) in kk / ru
_DEFAULT_RULES = {
    "UNIMARC electronic resource (leader/06 l) on an optical disc (135$a/1 o, or 215$a names a CD) → cd":
        ("UNIMARC электрондық ресурс (маркер/06 l) оптикалық дискіде (135$a/1 o, немесе 215$a "
         "өрісінде CD аталған) → CD",
         "UNIMARC электронный ресурс (маркер/06 l) на оптическом диске (135$a/1 o, или в 215$a "
         "назван CD) → CD"),
    "UNIMARC electronic resource (leader/06 l) → ebook":
        ("UNIMARC электрондық ресурс (маркер/06 l) → Э-кітап",
         "UNIMARC электронный ресурс (маркер/06 l) → Э-книга"),
    "MARC 21 computer file (leader/06 m) on an optical disc (007/0-1 co) → cd":
        ("MARC 21 компьютерлік файл (маркер/06 m) оптикалық дискіде (007/0-1 co) → CD",
         "MARC 21 компьютерный файл (маркер/06 m) на оптическом диске (007/0-1 co) → CD"),
    "MARC 21 computer file (leader/06 m) → ebook":
        ("MARC 21 компьютерлік файл (маркер/06 m) → Э-кітап",
         "MARC 21 компьютерный файл (маркер/06 m) → Э-книга"),
    "sound recording (leader/06 i or j) → cd":
        ("дыбыс жазбасы (маркер/06 i немесе j) → CD", "звукозапись (маркер/06 i или j) → CD"),
    "analytic / component part (leader/07 a or b) → article":
        ("аналитикалық жазба / құрамдас бөлік (маркер/07 a немесе b) → Мақала",
         "аналитическая запись / составная часть (маркер/07 a или b) → Статья"),
    "serial (leader/07 s) → periodical":
        ("сериялық басылым (маркер/07 s) → Мерзімді басылым",
         "сериальное издание (маркер/07 s) → Периодика"),
    "monograph, collection or integrating resource (leader/07 m, c, d or i) → book":
        ("монография, жинақ немесе интеграцияланатын ресурс (маркер/07 m, c, d немесе i) → Кітап",
         "монография, сборник или интегрируемый ресурс (маркер/07 m, c, d или i) → Книга"),
    "IRBIS electronic resource (900 ^T l) on an optical disc (215 names a CD) → cd":
        ("IRBIS электрондық ресурс (900 ^T l) оптикалық дискіде (215 өрісінде CD аталған) → CD",
         "IRBIS электронный ресурс (900 ^T l) на оптическом диске (в 215 назван CD) → CD"),
    "IRBIS electronic resource (leader/06 l) on an optical disc (215 names a CD) → cd":
        ("IRBIS электрондық ресурс (маркер/06 l) оптикалық дискіде (215 өрісінде CD аталған) "
         "→ CD",
         "IRBIS электронный ресурс (маркер/06 l) на оптическом диске (в 215 назван CD) → CD"),
    "IRBIS sound recording (900 ^T i or j) → cd":
        ("IRBIS дыбыс жазбасы (900 ^T i немесе j) → CD", "IRBIS звукозапись (900 ^T i или j) → CD"),
    "IRBIS electronic resource (900 ^T l or leader/06 l) → ebook":
        ("IRBIS электрондық ресурс (900 ^T l немесе маркер/06 l) → Э-кітап",
         "IRBIS электронный ресурс (900 ^T l или маркер/06 l) → Э-книга"),
    "IRBIS worksheet ASP or AUNTD (analytic record, 920) → article":
        ("IRBIS жұмыс парағы ASP немесе AUNTD (аналитикалық жазба, 920) → Мақала",
         "IRBIS рабочий лист ASP или AUNTD (аналитическая запись, 920) → Статья"),
    "IRBIS worksheet NJ or J (journal issue, serial; 920) → periodical":
        ("IRBIS жұмыс парағы NJ немесе J (журнал нөмірі, сериялық басылым; 920) → Мерзімді "
         "басылым",
         "IRBIS рабочий лист NJ или J (номер журнала, сериальное издание; 920) → Периодика"),
    "IRBIS worksheet PAZK or SPEC (book, volume of a multi-volume work; 920) → book":
        ("IRBIS жұмыс парағы PAZK немесе SPEC (кітап, көп томдық шығарманың томы; 920) → Кітап",
         "IRBIS рабочий лист PAZK или SPEC (книга, том многотомного издания; 920) → Книга"),
    "no other rule matched (leader/07 blank or unknown): counted as a book":
        ("басқа ереже сәйкес келмеді (маркер/07 бос немесе белгісіз): кітап ретінде есептеледі",
         "другие правила не подошли (маркер/07 пуст или неизвестен): считается книгой"),
}


_PLAN_RULE = re.compile(r"^plan rule (\d+): (.*)$", re.S)


def rule_text(rule, lang: str) -> str:
    """A level rule's conditions in the report's language; a description the user wrote
    (one that is not the generated one) is kept as written."""
    desc = rule.description or rule.explain()
    if lang != "en" and desc in _DEFAULT_RULES:
        return _DEFAULT_RULES[desc][0 if lang == "kk" else 1]
    numbered = _PLAN_RULE.match(desc)
    prefix = ""
    if numbered and numbered.group(2) == rule.explain():  # "plan rule 3: <the conditions>"
        prefix = (f"жоспар ережесі {numbered.group(1)}: " if lang == "kk"
                  else f"правило плана {numbered.group(1)}: ")
        desc = numbered.group(2)
    if lang == "en" or desc != rule.explain():
        return rule.description or desc
    w = _RULE_WORDS[lang]
    parts: list[str] = []
    if rule.flavour:
        parts.append("UNIMARC" if rule.flavour == "unimarc" else "MARC 21")
    parts.extend(condition_text(c, lang) for c in rule.all_of)
    if rule.any_of:
        alternatives = f" {w['or']} ".join(condition_text(c, lang) for c in rule.any_of)
        parts.append(f"({alternatives})" if len(rule.any_of) > 1 else alternatives)
    return prefix + (", ".join(parts) if parts else w["any"]) + " → " + _level_word(rule.level, lang)


#: how the files table names formats, MARC families and character sets (every language)
FORMAT_NAMES = {"iso2709": "ISO 2709", "marcxml": "MARCXML", "irbis": "IRBIS", "unimarc": "UNIMARC",
                "marc21": "MARC 21", "rusmarc": "RUSMARC", "utf-8": "UTF-8", "kz1048": "KZ-1048",
                "cp1251": "Windows-1251", "cp866": "CP866", "marc-8": "MARC-8",
                "iso5427": "ISO 5427", "koi8-r": "KOI8-R"}


def format_name(key: str) -> str:
    return FORMAT_NAMES.get(str(key).lower(), str(key))


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
    (r"^missing in (\S+)$", "\\1 өрісінде күн жоқ", "нет даты в \\1"),
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
    (r"^base address in leader \((.*)\) does not match the end of the directory \((\d+)\)$",
     "маркердегі деректер басының адресі (\1) анықтамалықтың соңына (\2) сәйкес емес",
     "базовый адрес в маркере (\1) не совпадает с концом справочника (\2)"),
    (r"^directory entry (\d+) \(tag (\w+)\) (.+); field taken from the data$",
     "анықтамалықтың \1-жолы (\2 өрісі) қате (\3); өріс деректерден алынды",
     "элемент справочника \1 (поле \2) неверен (\3); поле взято из данных"),
    (r"^directory entry (\d+) \(tag (\w+)\) (.+); field salvaged as far as the data goes(.*)$",
     "анықтамалықтың \1-жолы (\2 өрісі) қате (\3); өріс деректер жеткенше алынды\4",
     "элемент справочника \1 (поле \2) неверен (\3); поле спасено, насколько хватило данных\4"),
    (r"^directory entry (\d+) \(tag (\w+)\) (.+); field lost$",
     "анықтамалықтың \1-жолы (\2 өрісі) қате (\3); өріс жоғалды",
     "элемент справочника \1 (поле \2) неверен (\3); поле потеряно"),
    (r"^record is (\d+) bytes, more than ISO 2709's (\d+); the leader says (\d+)$",
     "жазба \1 байт, ISO 2709 шегінен (\2) артық; маркерде \3",
     "запись длиной \1 байт, больше предела ISO 2709 (\2); в маркере \3"),
    (r"^the file ends inside this record: (\d+) byte\(s\) and no record terminator "
     r"\(truncated\); cut off, so left out: (.+)$",
     "файл осы жазбаның ортасында бітеді: \1 байт, жазба соңының белгісі жоқ (кесілген); "
     "жоғалғаны: \2",
     "файл обрывается внутри этой записи: \1 байт, нет признака конца записи (обрезана); "
     "потеряно: \2"),
    (r"^field (\w+) is not valid (\S+); read as (\S+) \(mixed encodings\)$",
     "\1 өрісі \2 кодтамасында емес; \3 ретінде оқылды (аралас кодтамалар)",
     "поле \1 не в кодировке \2; прочитано как \3 (смешанные кодировки)"),
    (r"^field (\w+) has bytes that are not valid (\S+); replaced with (.)$",
     "\1 өрісінде \2 кодтамасына жатпайтын байттар бар; \3 белгісімен ауыстырылды",
     "в поле \1 есть байты не в кодировке \2; заменены на \3"),
    (r"^leader has non-ASCII bytes; replaced with blanks$",
     "маркерде ASCII емес байттар бар; бос орынмен ауыстырылды",
     "в маркере есть байты не ASCII; заменены пробелами"),
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
    # the message catalogue knows every marked template of the readers
    from rabiskit.i18n import translate_text

    return translate_text(message, lang=lang)


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

