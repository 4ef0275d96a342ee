"""Character sets of catalogue records: read the declaration, then verify it against the bytes.

Supported: UTF-8, MARC-8, Windows-1251, KZ-1048 (STRK1048-2002, Python codec ``kz1048``),
CP866 and KOI8-R (the code page of ISO 5427 Cyrillic, which older RUSMARC declares in
100$a/26-29, e.g. ``0102``: its letters stand where KOI8-R has them).  Declarations lie
often (docs/domain.md), so the bytes decide:

1. ``--encoding`` given: it is used, no questions asked.
2. Only ASCII bytes: the declaration is kept (ASCII reads the same in all of them).
3. MARC-8 escape sequences (ESC) and no valid UTF-8 multi-byte text: MARC-8.
4. Valid UTF-8 with multi-byte sequences: UTF-8.
5. Otherwise a single-byte code page: the one whose reading gives Cyrillic words, not
   box-drawing or symbol soup, decides CP866 against Windows-1251; then Windows-1251
   against KZ-1048 by the 16 bytes in which they differ: inside Cyrillic words those bytes
   read as Kazakh letters (Қ Ә Ө Ұ Ү Ғ Ң Һ) in KZ-1048 but as Ќ Ў Ј Ґ Є Ї Ѕ in
   Windows-1251.  Ukrainian or Belarusian records (101/041 ukr, bel) keep Windows-1251.
   A MARC 21 record declared MARC-8 whose high bytes stand alone before ASCII letters
   (ANSEL diacritics) stays MARC-8.
6. Windows-1251 against KOI8-R (ISO 5427): both read every byte 0xC0-0xFF as a Cyrillic
   letter, but put lower and upper case in opposite halves (Windows-1251: upper case in
   0xC0-0xDF; KOI8-R: lower case there).  Read in the wrong one, a capitalised word turns
   into a lower-case letter followed by capitals ("Уездное" becomes "хЕЪДОПЕ"), so the
   reading with fewer lower-to-upper case changes inside words wins; when they tie (no
   capitalised word to tell), the declaration decides, else Windows-1251.  This runs for
   undeclared records too: a KOI-8 record with no or a wrong declaration is found by its
   bytes.
"""

from __future__ import annotations

import contextlib
import io
import re
from typing import Callable, NamedTuple

from rabiskit.i18n import N_

UTF8 = "utf-8"
MARC8 = "marc-8"
CP1251 = "cp1251"
KZ1048 = "kz1048"
CP866 = "cp866"
KOI8R = "koi8-r"  # ISO 5427 Cyrillic
ENCODINGS = (UTF8, KZ1048, CP1251, CP866, KOI8R, MARC8)

_ALIASES = {
    "utf8": UTF8, "utf-8": UTF8, "u8": UTF8, "unicode": UTF8,
    "marc8": MARC8, "marc-8": MARC8,
    "cp1251": CP1251, "windows-1251": CP1251, "win1251": CP1251, "1251": CP1251,
    "kz1048": KZ1048, "kz-1048": KZ1048, "strk1048": KZ1048, "strk1048-2002": KZ1048,
    "rk1048": KZ1048,
    "cp866": CP866, "ibm866": CP866, "866": CP866, "dos": CP866,
    "koi8-r": KOI8R, "koi8r": KOI8R, "koi8": KOI8R, "koi-8": KOI8R, "koi-8-r": KOI8R,
    "iso5427": KOI8R, "iso-5427": KOI8R, "iso 5427": KOI8R,
}

# The 16 bytes in which KZ-1048 differs from Windows-1251.
KZ_DIFF_BYTES = frozenset(b"\x8d\x9d\x8e\x9e\xa1\xa2\xa3\xbc\xa5\xb4\xaa\xba\xaf\xbf\xbd\xbe")
# Those that also stand for Ukrainian / Belarusian letters in Windows-1251 (Ґ Є Ї Ў).
_UKR_BEL_BYTES = frozenset(b"\xa1\xa2\xa5\xb4\xaa\xba\xaf\xbf")

_HIGH = re.compile(rb"[\x80-\xff]")
_CYR_RUSSIAN = set("абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ")
_KAZAKH_SPECIFIC = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
GOOD_CYRILLIC = _CYR_RUSSIAN | _KAZAKH_SPECIFIC


class EncodingError(ValueError):
    pass


def normalise_encoding(name: str) -> str:
    """'Windows-1251' -> 'cp1251' etc.; raises EncodingError for unsupported names."""
    key = name.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    raise EncodingError(
        N_("unknown encoding {name!r}; use one of: utf-8, marc-8, cp1251, kz1048, cp866, koi8-r (iso5427)").format(
            name=name))


def declared_encoding(flavour: str, leader: str, field100a: str | None) -> str | None:
    """What the record says it is written in (None when it says nothing usable).

    MARC 21: leader/09 'a' = UTF-8, blank = MARC-8.
    UNIMARC family: 100$a/26-27: '50' = UTF-8 (ISO 10646); '01' ISO 646 (ASCII only);
    '89' is seen in Russian data and assumed to be Windows-1251 (unconfirmed); '02' (ISO
    registration #37, the basic Cyrillic set of ISO 5427) in 26-27 or, usually, in the
    G1 position 28-29 (``0102``) = KOI8-R, whose letters stand where ISO 5427 has them.
    """
    if flavour == "marc21":
        c = leader[9] if len(leader) > 9 else " "
        if c == "a":
            return UTF8
        if c == " ":
            return MARC8
        return None
    if field100a and len(field100a) >= 28:
        code = field100a[26:28]
        if code == "50":
            return UTF8
        if code == "89":
            return CP1251
        if "02" in (code, field100a[28:30]):
            return KOI8R
        if code in ("01", "03"):
            return None  # Latin sets; the bytes decide
    return None


def _cyrillic_score(text: str) -> float:
    """Share of the non-ASCII characters that are Cyrillic letters (Russian or Kazakh)."""
    total = good = 0
    for ch in text:
        if ch > "\x7f":
            total += 1
            if ch in GOOD_CYRILLIC:
                good += 1
    return good / total if total else 0.0


def _kz_bytes_inside_words(data: bytes) -> tuple[int, int]:
    """Count KZ-1048-specific bytes standing next to Cyrillic letter bytes (0xC0-0xFF, 0xA8, 0xB8,
    0xB2/0xB3).  Returns (strong, ukrainian_like) counts."""
    strong = ukr = 0
    n = len(data)
    for i, b in enumerate(data):
        if b in KZ_DIFF_BYTES:
            left = data[i - 1] if i > 0 else 0
            right = data[i + 1] if i + 1 < n else 0
            if _is_letter_byte(left) or _is_letter_byte(right):
                if b in _UKR_BEL_BYTES:
                    ukr += 1
                else:
                    strong += 1
    return strong, ukr


def _is_letter_byte(b: int) -> bool:
    return b >= 0xC0 or b in (0xA8, 0xB8, 0xB2, 0xB3) or b in KZ_DIFF_BYTES


def _mostly_utf8(data: bytes) -> int:
    """When the bytes are UTF-8 with a few bad sequences, the number of bad ones; else 0."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ch > "\x7f") - bad
    return bad if good >= 3 * bad else 0


def _looks_like_ansel(data: bytes) -> bool:
    """MARC-8 Latin text: high bytes are isolated combining marks (0xE0-0xFE) or ANSEL
    specials (0xA1-0xCF) followed by ASCII, not runs of letters as in Cyrillic code pages."""
    runs = 0
    isolated = 0
    i, n = 0, len(data)
    while i < n:
        if data[i] >= 0x80:
            j = i
            while j < n and data[j] >= 0x80:
                j += 1
            if j - i >= 3:
                runs += 1
            else:
                isolated += 1
            i = j
        else:
            i += 1
    return runs == 0 or isolated > runs * 4


def quick_outcome(has_high: bool, has_esc: bool, utf8_ok: bool, declared: str | None,
                  flavour: str) -> tuple[str, str] | None:
    """The decision for the plain cases (ASCII, MARC-8 escapes, valid UTF-8); None when the
    bytes need a closer look.  Shared by ``detect_encoding`` and the fast counting path."""
    if not has_high and not has_esc:
        enc = declared or (MARC8 if flavour == "marc21" else UTF8)
        return enc, N_("ASCII only; declared {declared}").format(
            declared=declared) if declared else N_("ASCII only")
    if has_esc and not utf8_ok:
        return MARC8, N_("MARC-8 escape sequences")
    if has_esc and utf8_ok and declared == MARC8:
        return MARC8, N_("MARC-8 escape sequences (declared MARC-8)")
    if utf8_ok:
        if declared in (None, UTF8):
            return UTF8, N_("valid UTF-8, as declared") if declared == UTF8 else N_("valid UTF-8")
        return UTF8, N_("valid UTF-8 (declared {declared}, which the bytes contradict)").format(
            declared=declared)
    return None


# codecs that read every byte by itself and ASCII as ASCII: a record valid in one of them
# decodes whole exactly as it decodes field by field
_STATELESS = frozenset((UTF8, KZ1048, CP1251, CP866, KOI8R))


def record_text(body: bytes, declared: str | None, flavour: str,
                languages: Callable[[], tuple[str, ...]],
                forced: str | None = None) -> tuple[str, str, str | None]:
    """The encoding of a record's field bytes (``body``: the fields joined by 0x1E), as
    ``detect_encoding`` decides it (``forced``: ``--encoding``), and the body decoded whole
    in it: ``(encoding, reason, text)``.  ``text`` is None when the body does not decode
    whole and clean (MARC-8 beyond ASCII, bytes invalid in the encoding): the caller then
    decodes field by field (``decode_field_text``).  ``languages`` gives the record's
    language codes, asked for only when the bytes need a closer look.

    Field by field or whole, the text is the same: these codecs read each byte (UTF-8: each
    sequence, which never holds 0x1E) by itself."""
    has_high = not body.isascii()
    if forced is not None:
        encoding, reason = forced, "--encoding"
    else:
        has_esc = b"\x1b" in body
        text = None
        utf8_ok = False
        if has_high:
            try:
                text = body.decode("utf-8")
                utf8_ok = True
            except UnicodeDecodeError:
                pass
        quick = quick_outcome(has_high, has_esc, utf8_ok, declared, flavour)
        if quick is None:
            encoding, reason = detect_encoding(body, declared, languages=languages(),
                                               flavour=flavour)
        else:
            encoding, reason = quick
            if encoding == UTF8 and text is not None:
                return encoding, reason, text
    if not has_high and (encoding in _STATELESS or encoding == MARC8 and b"\x1b" not in body):
        return encoding, reason, body.decode("ascii")
    if encoding in _STATELESS:
        try:
            return encoding, reason, body.decode(encoding)
        except UnicodeDecodeError:
            pass
    return encoding, reason, None


def detect_encoding(data: bytes, declared: str | None, *, languages: tuple[str, ...] = (),
                    flavour: str = "unimarc") -> tuple[str, str]:
    """Decide the character set of a record's field bytes.  Returns (encoding, reason)."""
    has_high = _HIGH.search(data) is not None
    has_esc = b"\x1b" in data
    utf8_ok = False
    if has_high:
        try:
            data.decode("utf-8")
            utf8_ok = True
        except UnicodeDecodeError:
            pass
    quick = quick_outcome(has_high, has_esc, utf8_ok, declared, flavour)
    if quick is not None:
        return quick
    if not utf8_ok and has_high:
        mostly = _mostly_utf8(data)
        if mostly:
            return UTF8, N_("UTF-8 with {mostly} invalid byte sequence(s)").format(mostly=mostly)
    if (declared == MARC8 or flavour == "marc21") and _looks_like_ansel(data):
        note = N_("declared MARC-8") if declared == MARC8 else N_("declared {declared}, but").format(
            declared=declared)
        return MARC8, N_("{note}; high bytes are ANSEL diacritics").format(note=note)
    # Single-byte Cyrillic code pages.
    s1251 = _cyrillic_score(data.decode("cp1251", errors="replace"))
    s866 = _cyrillic_score(data.decode("cp866", errors="replace"))
    if max(s1251, s866) < 0.3:
        return MARC8, (N_("high bytes read as Cyrillic in no code page (declared {declared}); read as MARC-8 / ISO 5426 Latin").format(
            declared=declared))
    if s866 > s1251 + 0.1:
        note = "" if declared in (None, CP866) else N_(" (declared {declared})").format(
            declared=declared)
        return CP866, N_("bytes read as Cyrillic in CP866, not in Windows-1251{note}").format(
            note=note)
    koi = _koi8_or_cp1251(data, declared)
    if koi is not None:
        return koi
    strong, ukr = _kz_bytes_inside_words(data)
    ukr_lang = any(lang in ("ukr", "bel") for lang in languages)
    if strong or (ukr and not ukr_lang):
        note = "" if declared in (None, KZ1048) else N_(" (declared {declared})").format(
            declared=declared)
        return KZ1048, N_("KZ-1048 bytes for Kazakh letters inside words{note}").format(note=note)
    if s1251 == 0.0 and declared == MARC8:
        return MARC8, N_("declared MARC-8; no code page reads these bytes as Cyrillic")
    note = "" if declared in (None, CP1251) else N_(" (declared {declared})").format(
        declared=declared)
    return CP1251, N_("bytes read as Cyrillic in Windows-1251{note}").format(note=note)


# a lower-case Cyrillic letter followed by an upper-case one: rare inside words of text
# read in the right code page, at the start of every capitalised word read in the wrong one
_LOWER_UPPER = re.compile("[а-яё][А-ЯЁ]")


def _case_changes(data: bytes, encoding: str) -> int:
    return len(_LOWER_UPPER.findall(data.decode(encoding, errors="replace")))


def _koi8_or_cp1251(data: bytes, declared: str | None) -> tuple[str, str] | None:
    """(KOI8-R, reason) when letter case says the Cyrillic bytes are KOI-8 (ISO 5427),
    else None (Windows-1251 or KZ-1048: decided by the caller)."""
    in_1251 = _case_changes(data, CP1251)
    in_koi = _case_changes(data, KOI8R)
    if in_koi < in_1251:
        note = N_(", as declared") if declared == KOI8R else (
            N_(" (declared {declared})").format(declared=declared) if declared else "")
        return KOI8R, N_("letter case reads right in KOI-8 (ISO 5427), not in Windows-1251{note}").format(
            note=note)
    if in_koi == in_1251 and declared == KOI8R:
        return KOI8R, N_("declared ISO 5427 (KOI-8); letter case does not contradict it")
    return None


def decode_field(data: bytes, encoding: str) -> tuple[str, bool]:
    """Decode one field's bytes.  Returns (text, clean); clean is False when characters had
    to be replaced (U+FFFD) because the bytes are not valid in ``encoding``."""
    if encoding == MARC8:
        return _decode_marc8(data)
    try:
        return data.decode(encoding), True
    except UnicodeDecodeError:
        return data.decode(encoding, errors="replace"), False


def _decode_marc8(data: bytes) -> tuple[str, bool]:
    from pymarc.marc8 import MARC8ToUnicode

    if not _HIGH.search(data) and b"\x1b" not in data:
        return data.decode("ascii"), True
    # pymarc drops the subfield delimiter (a control character), so each subfield is
    # translated on its own; one converter per field keeps the escape state across them.
    noise = io.StringIO()
    conv = MARC8ToUnicode(quiet=True)
    parts = []
    try:
        with contextlib.redirect_stderr(noise):  # pymarc writes warnings to stderr
            for chunk in data.split(b"\x1f"):
                parts.append(conv.translate(chunk) if chunk else "")
    except Exception:  # pymarc raises assorted errors on bad escapes
        return data.decode("latin-1"), False
    text = "\x1f".join(parts)
    return text, "\ufffd" not in text and not noise.getvalue()


class FieldText(NamedTuple):
    """A field's text; ``read_as`` names the encoding it was read in when it is not valid in
    its record's (mixed encodings); ``replaced`` says that no encoding reads it whole and
    characters were replaced with U+FFFD."""

    text: str
    read_as: str | None = None
    replaced: bool = False


def decode_field_text(data: bytes, encoding: str) -> FieldText:
    """Decode one field in its record's encoding, else in the one that reads it whole."""
    text, clean = decode_field(data, encoding)
    if clean:
        return FieldText(text)
    alt, alt_enc = fallback_decode(data)
    if "\ufffd" not in alt:
        return FieldText(alt, read_as=alt_enc)
    return FieldText(text, replaced=True)


def fallback_decode(data: bytes) -> tuple[str, str]:
    """Decode a field that is not valid in its record's encoding: the best single-byte reading."""
    try:
        return data.decode("utf-8"), UTF8
    except UnicodeDecodeError:
        pass
    enc, _ = detect_encoding(data, None)
    if enc == MARC8:
        enc = CP1251
    return data.decode(enc, errors="replace"), enc
