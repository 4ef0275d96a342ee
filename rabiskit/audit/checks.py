"""The per-record checks of ``rabiskit audit``: language coding, encoding damage, dates,
structure.  Each check is a plain function of a record (SourceRecord + RecordFacts) that
returns findings; nothing here reads files.  Duplicates and repeated 001s need the whole
input and live in :mod:`rabiskit.audit.duplicates`."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from importlib import resources

from rabiskit.audit.findings import Finding
from rabiskit.audit.language import (ENG, KAZ, KZ1048_AS_CP1251, LATIN_LOOKALIKES, RUS,
                                     SHARED_TURKIC_LETTERS, UKRAINIAN_LETTERS, Detection,
                                     detect_language)
from rabiskit.audit.text import (coded_language_values, date_entered_field, language_field,
                                 title_parts)
from rabiskit.facts.model import RecordFacts
from rabiskit.facts.parse import split_language_codes
from rabiskit.i18n import N_
from rabiskit.records import SourceRecord
from rabiskit.records.record import MARC21


@dataclass(frozen=True)
class AuditOptions:
    """What the checks compare with.

    ``today``: dates after it are in the future.  ``oldest``: dates entered before it are
    implausibly old (electronic catalogues in Kazakhstan began in the 1990s).
    ``min_confidence``: language mismatches below it are not reported (precision first).
    """

    today: dt.date
    oldest: dt.date = dt.date(1990, 1, 1)
    min_confidence: float = 0.7


@lru_cache(maxsize=1)
def language_codes() -> frozenset[str]:
    """ISO 639-2 codes (B and T forms), from ``wordlists/iso639_2.json``."""
    text = resources.files("rabiskit.audit").joinpath("wordlists/iso639_2.json").read_text("utf-8")
    return frozenset(json.loads(text)["codes"])


#: Obsolete MARC language codes still met in exports, and their ISO 639-2 successors.
OBSOLETE_CODES = {
    "tar": ("Tatar", "tat"), "scc": ("Serbian", "srp"), "scr": ("Croatian", "hrv"),
    "mol": ("Moldavian", "rum"), "esk": ("Eskimo", "esx"), "eth": ("Ethiopic", "gez"),
    "far": ("Faroese", "fao"), "fri": ("Frisian", "fry"), "gag": ("Galician", "glg"),
    "gua": ("Guarani", "grn"), "int": ("Interlingua", "ina"), "iri": ("Irish", "gle"),
    "lan": ("Occitan", "oci"), "lap": ("Sami", "smi"), "max": ("Manx", "glv"),
    "mla": ("Malagasy", "mlg"), "sao": ("Samoan", "smo"), "sho": ("Shona", "sna"),
    "snh": ("Sinhalese", "sin"), "sso": ("Sotho", "sot"), "swz": ("Swazi", "ssw"),
    "tag": ("Tagalog", "tgl"), "taj": ("Tajik", "tgk"), "tsw": ("Tswana", "tsn"),
}

#: Cyrillic-script Turkic (and Mongolic) languages whose letters overlap with Kazakh's
TURKIC_CODES = frozenset({"tat", "tar", "bak", "kir", "uzb", "tuk", "kaa", "uig", "chv", "sah",
                          "alt", "tyv", "kum", "krc", "nog", "crh", "aze", "mon", "bua", "kjh",
                          "xal", "trk", "mul"})


#: Cyrillic-script languages close enough to Russian for a title to read as Russian
CYRILLIC_NEIGHBOURS = frozenset({"ukr", "bel", "bul", "srp", "scc", "mac", "mkd", "chu", "orv",
                                 "rue", "sla", "hbs"})


def _finding(kind: str, src: SourceRecord, facts: RecordFacts, where: str, evidence: str,
             confidence: float) -> Finding:
    return Finding(kind=kind, file=facts.file, record=facts.record, offset=facts.offset,
                   id=facts.control_number, title=facts.title, field=where, evidence=evidence,
                   confidence=round(confidence, 2), level=facts.level,
                   languages=facts.languages if facts.languages_coded else (), line=facts.line)


# ----------------------------------------------------------------------------- language

@dataclass(frozen=True)
class TextLanguage:
    """The language a record's text reads as, and from which fields it was decided."""

    detection: Detection
    source: str  # 'title' or 'title and other text' (or '' when undecided)


def text_language(src: SourceRecord) -> TextLanguage:
    """Detect the language from the title (title proper, other title information, part).

    Summaries, subject headings and keywords are not used: libraries write them in their
    cataloguing language, whatever the language of the document."""
    title = " ".join(p.text for p in title_parts(src.record, src.flavour))
    det = detect_language(title)
    return TextLanguage(det, N_("title") if det.decided else "")


_THREE_LETTERS = re.compile(r"[a-z]{3}")

_LANGUAGE_NAMES = {KAZ: N_("Kazakh"), RUS: N_("Russian"), ENG: N_("English"), "ukr": N_("Ukrainian")}


def check_language(src: SourceRecord, facts: RecordFacts, opts: AuditOptions,
                   lang: TextLanguage) -> list[Finding]:
    """missing_language, invalid_language_code, language_mismatch."""
    out: list[Finding] = []
    where = language_field(src.flavour)
    det = lang.detection

    def reads_as() -> str:  # what the title reads as, for the two findings that say it
        return N_("{source} reads as {language} ({evidence})").format(
            source=lang.source, language=_LANGUAGE_NAMES.get(det.language, det.language),
            evidence=det.evidence) if det.decided else ""

    if not facts.languages_coded:
        said = reads_as()
        coded_in = where + (" or 041$a" if src.flavour == MARC21 else "")
        ev = N_("no language of the text coded in {where}").format(where=coded_in)
        out.append(_finding("missing_language", src, facts, where,
                            N_("{first}; {rest}").format(first=ev, rest=said) if said else ev,
                            1.0))
    for at, evidence, conf in invalid_codes(src.record, src.flavour):
        out.append(_finding("invalid_language_code", src, facts, at, evidence, conf))
    conf = mismatch_confidence(facts.languages if facts.languages_coded else None, det, opts)
    if conf is None:
        return out
    if det.language == KAZ and det.kazakh_letters:
        letters = ", ".join(det.kazakh_letters)
        rest = [p for p in det.evidence.split("; ") if not p.startswith("Kazakh letters")]
        if rest:
            ev = N_("{source} has {letters} ({evidence})").format(
                source=lang.source, letters=letters, evidence="; ".join(rest))
        else:
            ev = N_("{source} has {letters}").format(source=lang.source, letters=letters)
    else:
        ev = reads_as()
    ev = N_("{evidence}; coded {codes}").format(evidence=ev, codes="/".join(facts.languages))
    out.append(_finding("language_mismatch", src, facts, where, ev, conf))
    return out


def invalid_codes(record, flavour: str) -> list[tuple[str, str, float]]:
    """(where, evidence, confidence) of each language code written that is not a valid
    ISO 639-2 code, as written."""
    out = []
    valid = language_codes()
    for at, raw in coded_language_values(record, flavour):
        for code in split_language_codes(raw):
            if not _THREE_LETTERS.fullmatch(code):
                out.append((at, N_("{raw!r} is not a three-letter ISO 639-2 code").format(
                    raw=raw.strip()), 1.0))
            elif code in OBSOLETE_CODES:
                name, new = OBSOLETE_CODES[code]
                out.append((at, N_("{code!r} is an obsolete MARC code ({name}); ISO 639-2 has "
                                   "{new!r}").format(code=code, name=name, new=new), 0.7))
            elif code not in valid:
                out.append((at, N_("{code!r} is not an ISO 639-2 language code").format(
                    code=code), 0.9))
    return out


def mismatch_confidence(languages: tuple[str, ...] | None, det: Detection,
                        opts: AuditOptions) -> float | None:
    """How sure a language_mismatch between the coded ``languages`` (None: none coded) and
    what the title reads as is; None when there is none to report."""
    if languages is None or not det.decided or det.language not in (KAZ, RUS, ENG):
        return None
    valid = language_codes()
    coded = {c for c in languages if c in valid or c in OBSOLETE_CODES}
    if not coded:
        return None  # only invalid codes: reported as such
    if det.language in coded or "mul" in coded:
        return None
    if det.language == ENG and not coded & {KAZ, RUS}:
        return None
    if det.language == RUS and coded & (CYRILLIC_NEIGHBOURS | TURKIC_CODES):
        return None  # Ukrainian, Church Slavonic, Tatar ... titles can read as Russian
    conf = det.confidence
    if det.language == KAZ and coded & TURKIC_CODES:
        return None  # ә ө ү ң һ are Tatar, Kyrgyz ... letters too
    shared_only = (det.language == KAZ and det.kazakh_letters
                   and set(det.kazakh_letters) <= SHARED_TURKIC_LETTERS
                   and det.scores.get(KAZ, 0) < 4)
    if shared_only:
        conf *= 0.85
    if det.language == ENG:
        conf *= 0.9
    if coded <= {"und", "zxx"}:
        conf *= 0.9
    if conf < opts.min_confidence:
        return None
    return conf


# ------------------------------------------------------------------------- encoding

_CYR = "\u0400-\u04ff\u0500-\u052f"
_QUESTION_INSIDE = re.compile(f"[{_CYR}]\\?+[{_CYR}]")
_QUESTION_START = re.compile(f"(?:^|(?<=[\\s«\"(]))\\?+[{_CYR}]{{2,}}")
_WORD = re.compile(r"\??[^\W\d_]+(?:\?+[^\W\d_]+)*\??", re.UNICODE)
# C0/C1 controls, except the non-sorting markers (NSB/NSE: U+0088/U+0089, U+0098/U+009C),
# which UNIMARC and MARC 21 use on purpose ("<U+0098>The <U+009C>title")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x87\x8a-\x97\x99-\x9b\x9d-\x9f]")
_WHITESPACE_CONTROL = re.compile("[\t\n\r]")
# UTF-8 bytes of Cyrillic read as cp1251 ("Р°Р·" ...) or as Latin-1 ("Ð°")
_UTF8_AS_CP1251 = re.compile(
    "[РС][\u0402-\u040f\u0452-\u045f\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030"
    "\u2039\u203a\u20ac\u2116\u2122\u00a0\u00a4\u00a6\u00a7\u00a9\u00ab-\u00ae\u00b0\u00b1"
    "\u00b5-\u00b7\u00bb\u0401\u0451\u0404\u0454\u0406\u0456\u0407\u0457\u0490\u0491]")
_UTF8_AS_LATIN1 = re.compile("[ÐÑ][\u0080-\u00bf]")

#: letters legitimately used by languages a record may be coded in
_LANGUAGE_LETTERS = {
    "ukr": set("ЄєЇїҐґ"), "bel": set("Ўў"), "uzb": set("Ўў"),
    "srp": set("ЈјЋћЂђЉљЊњЏџ"), "scc": set("ЈјЋћЂђЉљЊњЏџ"),
    "mac": set("ЈјЅѕЌќЃѓЉљЊњЏџ"), "mkd": set("ЈјЅѕЌќЃѓЉљЊњЏџ"),
}
_KZ_MOJIBAKE = KZ1048_AS_CP1251 | UKRAINIAN_LETTERS
_KZ_MOJIBAKE_RE = re.compile("[" + "".join(sorted(_KZ_MOJIBAKE)) + "]")
_MIXED_RE = re.compile(f"[{_CYR}][A-Za-z]|[A-Za-z][{_CYR}]")
#: characters one of the encoding checks reacts to (alone): values without one (and
#: without the pairs of _UTF8_AS_CP1251, _UTF8_AS_LATIN1 and _MIXED_RE) are not looked at
_SUSPECT_CHAR = re.compile("[\ufffd?" + "".join(sorted(_KZ_MOJIBAKE)) + _CONTROL.pattern[1:-1]
                           + "\t\n\r]")
_ASCII_LETTER = re.compile("[A-Za-z]")
_SUSPECT = re.compile("|".join([_SUSPECT_CHAR.pattern, _UTF8_AS_CP1251.pattern,
                                _UTF8_AS_LATIN1.pattern, _MIXED_RE.pattern]))


def _kz1048_reading(word: str) -> str | None:
    """What a word reads as when its cp1251 bytes are read as KZ-1048 ('ЌазаЌстан' -> 'Қазақстан')."""
    try:
        return word.encode("cp1251").decode("kz1048")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return None


def _is_cyr(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


def _is_lat(ch: str) -> bool:
    return ch.isascii() and ch.isalpha()


_ROMAN = set("IVXLCMХСМІ")


_GLUED_NUMERAL = re.compile(r"^[IVXLCM]+(?=[^IVXLCM])|(?<=[^IVXLCM])[IVXLCM]+$")


def _mixed_word(word: str) -> bool:
    """A word of Cyrillic letters with Latin look-alike letters in it (not a Roman numeral
    glued to a word: 'ЧастьIII')."""
    cyr = sum(_is_cyr(c) for c in word)
    lat = [c for c in word if _is_lat(c)]
    if not cyr or not lat or any(c not in LATIN_LOOKALIKES for c in lat):
        return False
    if all(c in _ROMAN for c in word):  # ХIХ, XIV written with mixed letters: a numeral
        return False
    stripped = _GLUED_NUMERAL.sub("", word)
    if not any(_is_lat(c) for c in stripped):
        return False
    return cyr + len(lat) >= 2


def _show(text: str, limit: int = 60) -> str:
    t = text if len(text) <= limit else text[:limit] + "…"
    return "".join(f"<U+{ord(c):04X}>" if _CONTROL.match(c) or _WHITESPACE_CONTROL.match(c)
                   else c for c in t)


_value = itemgetter(1)


def _suspect(record) -> bool:
    """Whether any text of the record (control data, subfield values) has a character, or
    a pair, one of the encoding checks reacts to; most records have none, and are not
    looked at further."""
    values = [fld.data if fld.data is not None else " ".join(map(_value, fld.subfields))
              for fld in record.fields]
    # no sign of damage spans a blank, so joining the values makes none
    if _SUSPECT_CHAR.search(" ".join(values)):
        return True
    # the other signs need letters beyond ASCII
    beyond = [v for v in values if not v.isascii()]
    text = " ".join(beyond)
    if _UTF8_AS_CP1251.search(text) or _UTF8_AS_LATIN1.search(text):
        return True
    # Latin letters beside Cyrillic ones: only in a value with both
    return any(_ASCII_LETTER.search(v) and _MIXED_RE.search(v) for v in beyond)


def check_encoding(src: SourceRecord, facts: RecordFacts) -> list[Finding]:
    """encoding_damage and mixed_script, one finding per kind and subfield."""
    out: list[Finding] = []
    if not _suspect(src.record):
        return out  # most records: not one character the checks below look at
    coded = set(facts.languages) if facts.languages_coded else set()
    allowed: set[str] = set()
    for code in coded:
        allowed |= _LANGUAGE_LETTERS.get(code, set())
    damage_found: dict[str, tuple[list[str], float]] = {}  # first occurrence per subfield
    mixed_found: dict[str, tuple[list[str], float]] = {}
    for fld in src.record.fields:
        if fld.is_control:
            items = [(fld.tag, fld.data or "")]
        else:
            items = [(f"{fld.tag}${code}", value) for code, value in fld.subfields]
        for where, value in items:
            if not value or not _SUSPECT.search(value):
                continue
            damage: list[str] = []
            conf = 0.0
            if "\ufffd" in value:
                damage.append(N_("replacement character U+FFFD in {show!r}").format(
                    show=_show(value)))
                conf = max(conf, 0.99)
            words = None
            if "?" in value:
                words = _WORD.findall(value)
                q_inside = [w for w in words if _QUESTION_INSIDE.search(w)]
                q_start = [w for w in _QUESTION_START.findall(value)]
                if q_inside:
                    damage.append(N_("'?' inside Cyrillic words ({items}): letters lost through cp1251").format(
                        items=', '.join(q_inside[:3])))
                    conf = max(conf, 0.9)
                elif q_start:
                    damage.append(N_("'?' before Cyrillic words ({items}): letters lost through cp1251").format(
                        items=', '.join(q_start[:3])))
                    conf = max(conf, 0.75)
            if _KZ_MOJIBAKE_RE.search(value):
                words = words if words is not None else _WORD.findall(value)
                moji = []
                moji_conf = 0.0
                for w in words:
                    odd = [c for c in w if c in _KZ_MOJIBAKE and c not in allowed]
                    if not odd or sum(_is_cyr(c) for c in w) < 2 or len(w) < 3:
                        continue
                    reading = _kz1048_reading(w)
                    moji.append(N_("{word!r} reads {reading!r} as KZ-1048").format(
                        word=w, reading=reading) if reading else repr(w))
                    if all(c in UKRAINIAN_LETTERS for c in odd):
                        c = 0.9 if KAZ in coded else 0.6
                    else:
                        c = 0.95 if KAZ in coded else 0.85
                    moji_conf = max(moji_conf, c)
                if moji:
                    damage.append(N_("KZ-1048 text read as cp1251: {items}").format(
                        items=', '.join(moji[:3])))
                    conf = max(conf, moji_conf)
            if len(_UTF8_AS_CP1251.findall(value)) >= 3 or len(_UTF8_AS_LATIN1.findall(value)) >= 3:
                damage.append(N_("UTF-8 text read as a one-byte code page: {show!r}").format(
                    show=_show(value, 40)))
                conf = max(conf, 0.9)
            ctrl = _CONTROL.findall(value)
            if ctrl:
                codes = ", ".join(sorted({f"U+{ord(c):04X}" for c in ctrl}))
                what = (N_("MARC separator characters") if set(ctrl) <= set("\x1d\x1e\x1f")
                        else N_("control characters"))
                damage.append(N_("{what} {codes} inside the text: {show!r}").format(
                    what=what, codes=codes, show=_show(value)))
                conf = max(conf, 0.9)
            elif _WHITESPACE_CONTROL.search(value):
                damage.append(N_("tab or line break inside the field: {show!r}").format(
                    show=_show(value)))
                conf = max(conf, 0.5)
            if damage and where not in damage_found:
                damage_found[where] = (damage, conf)
            if not _MIXED_RE.search(value):
                continue
            words = words if words is not None else _WORD.findall(value)
            mixed = [w for w in words if _mixed_word(w)]
            if mixed:
                shown = []
                for w in mixed[:3]:
                    lat = "".join(sorted({c for c in w if _is_lat(c)}))
                    shown.append(N_("{w!r} (Latin {lat})").format(w=w, lat=lat))
                cyr_major = all(sum(_is_cyr(c) for c in w) >= sum(_is_lat(c) for c in w)
                                for w in mixed)
                mixed_found.setdefault(where, (shown, 0.9 if cyr_major else 0.7))
    for where, (damage, conf) in damage_found.items():
        out.append(_finding("encoding_damage", src, facts, where, "; ".join(damage), conf))
    for where, (shown, conf) in mixed_found.items():
        out.append(_finding("mixed_script", src, facts, where,
                            N_("Latin look-alike letters inside Cyrillic words: {items}").format(
                                items=', '.join(shown)), conf))
    return out


# ---------------------------------------------------------------------------- dates

def check_dates(src: SourceRecord, facts: RecordFacts, opts: AuditOptions) -> list[Finding]:
    """missing_date_entered, invalid_date (bad, implausibly old, 005 before the date
    entered), future_date."""
    out: list[Finding] = []
    where = facts.date_entered_source or date_entered_field(src.flavour)
    d = facts.date_entered
    if d is None:
        problem = facts.date_entered_problem or "missing"
        if problem.startswith("missing"):
            out.append(_finding("missing_date_entered", src, facts, date_entered_field(src.flavour),
                                N_("no date entered ({problem})").format(problem=problem), 1.0))
        else:
            if facts.date_entered_raw:
                ev = N_("date entered: {problem} (text {raw!r})").format(
                    problem=problem, raw=facts.date_entered_raw)
            else:
                ev = N_("date entered: {problem}").format(problem=problem)
            out.append(_finding("invalid_date", src, facts, date_entered_field(src.flavour),
                                ev, 1.0))
    else:
        if d > opts.today:
            out.append(_finding("future_date", src, facts, where,
                                N_("date entered {d} is after today ({today})").format(
                                    d=d.isoformat(), today=opts.today.isoformat()), 0.95))
        elif d < opts.oldest:
            out.append(_finding("invalid_date", src, facts, where,
                                N_("date entered {d} is implausibly old (before {oldest})").format(
                                    d=d.isoformat(), oldest=opts.oldest.isoformat()), 0.5))
    raw005 = src.record.control("005")
    if raw005 is not None and raw005.strip():
        changed = facts.date_changed
        if changed is None:
            out.append(_finding("invalid_date", src, facts, "005",
                                N_("005 {raw005!r} is not a date and time (YYYYMMDDhhmmss.f)").format(
                                    raw005=raw005.strip()), 0.9))
        else:
            if changed.date() > opts.today:
                out.append(_finding("future_date", src, facts, "005",
                                    N_("last change (005) {changed} is after today ({today})").format(
                                        changed=changed.date().isoformat(), today=opts.today.isoformat()), 0.9))
            if d is not None and changed.date() < d:
                out.append(_finding("invalid_date", src, facts, "005",
                                    N_("last change (005) {changed} is earlier than the date entered {d}").format(
                                        changed=changed.date().isoformat(), d=d.isoformat()), 0.8))
    return out


# ------------------------------------------------------------------------ structure

def check_structure(src: SourceRecord, facts: RecordFacts) -> list[Finding]:
    """salvaged_record and missing_control_number (repeated 001s: see duplicates)."""
    out: list[Finding] = []
    if src.damaged:
        msgs = "; ".join(dict.fromkeys(p.message for p in src.problems)) or N_("damaged record")
        out.append(_finding("salvaged_record", src, facts, "record",
                            N_("the reader salvaged this record: {msgs}").format(msgs=msgs), 1.0))
    if facts.control_number is None:
        out.append(_finding("missing_control_number", src, facts, "001",
                            N_("no record identifier (001)"), 1.0))
    return out
