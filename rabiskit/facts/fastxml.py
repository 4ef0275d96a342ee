"""The fast counting path for MARCXML: blocks of a plain MARC 21 slim collection on every core.

A MARC 21 slim collection in UTF-8 is cut into blocks at ``</record>`` end tags, and each
block is read with regular expressions that accept only the plain form of MARC 21 slim:
every record, leader, control field, data field and subfield element matched exactly, in
the order tag/ind1/ind2 and code for their attributes, nothing but white space between
them.  What they accept is well-formed and reads as the XML parser reads it; Python then
touches each record once, not each element.  Anything else sends the whole file to the
careful reader (``MarcXmlReader``): a DOCTYPE, comments, processing instructions or CDATA,
entity references other than the five predefined ones, character references XML does
not allow, carriage returns, other elements or attribute forms, a record attribute
``format`` or another namespace, a leader that is not 24 characters, bytes that are not
UTF-8.  Tests compare the counts of both paths on every fixture and corpus file.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple

import numpy as np

from rabiskit.facts.extract import date_entered_of, extract_facts, languages_of
from rabiskit.facts.fast import utf8_valid
from rabiskit.facts.model import RecordFacts
from rabiskit.records import Field, Record, SourceRecord
from rabiskit.records.record import MARC21, NOT_BIBLIOGRAPHIC_TYPES, UNIMARC
from rabiskit.rules.engine import DEFAULT_RULES, classify_record
from rabiskit.sources.flavour import score as flavour_score

_NO_TAGS: frozenset = frozenset()

SLIM = b"http://www.loc.gov/MARC21/slim"
NAMES = (b"collection", b"record", b"leader", b"controlfield", b"datafield", b"subfield")
_TAG_OK = re.compile(r"^[0-9A-Za-z]{3}$")
_BADREF = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")

_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')
# the fields that facts (rabiskit.facts.extract), the flavour's 100$a and the default level
# rules read; of the others only the tag matters
_READ = frozenset(("001", "005", "007", "008", "010", "020", "041", "100", "101", "135", "200",
                   "215", "245", "300", "461", "463", "773", "801", "856"))


class NotPlain(Exception):
    """The document needs the careful reader."""


@dataclass
class XmlLayout:
    """Where the records of a plain MARC 21 slim collection lie in the file."""

    prefix: bytes  # the element name prefix ("marc:" or "")
    head: bytes  # everything up to and including the root start tag
    body_start: int
    body_end: int  # where the root end tag starts
    encoding_reason: str


def plain_layout(path: Path, size: int) -> XmlLayout | None:
    """The layout of a plain MARC 21 slim collection in UTF-8, or None."""
    from rabiskit.sources.marcxml import plan_encoding

    with path.open("rb") as fh:
        head = fh.read(1 << 16)
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    plan = plan_encoding(head, None)
    if plan.codec is not None or plan.problems or plan.encoding != "utf-8":
        return None
    try:
        return _layout(head, tail, size, plan.reason)
    except NotPlain:
        return None


def _layout(head: bytes, tail: bytes, size: int, encoding_reason: str) -> XmlLayout:
    m = re.match(rb"(?:<\?xml[^>]*\?>)?\s*<(([\w.-]+:)?collection)((?:\s+[\w:.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*>",
                 head)
    if m is None:
        raise NotPlain("the root is not a MARC 21 slim collection")
    decl = head[:m.start(1)]
    if b"encoding" in decl and not re.search(rb"encoding\s*=\s*[\"']utf-?8[\"']", decl, re.I):
        raise NotPlain("not declared UTF-8")
    prefix = m.group(2) or b""
    ns_attr = b"xmlns:" + prefix[:-1] if prefix else b"xmlns"
    attrs = dict(re.findall(rb"([\w:.-]+)\s*=\s*[\"']([^\"']*)[\"']", m.group(3)))
    if attrs.get(ns_attr) != SLIM:
        raise NotPlain("not the MARC 21 slim namespace")
    end_tag = b"</" + prefix + b"collection>"
    k = tail.rfind(end_tag)
    if k == -1 or tail[k + len(end_tag):].strip():
        raise NotPlain("no root end tag at the end of the file")
    return XmlLayout(prefix, head[:m.end()], m.end(), max(0, size - 4096) + k, encoding_reason)


def xml_blocks(path: Path, lay: XmlLayout, block_size: int) -> list[tuple[int, int]]:
    """Blocks of the body, each ending right after a record end tag."""
    end_tag = b"</" + lay.prefix + b"record>"
    cuts = [lay.body_start]
    with path.open("rb") as fh:
        target = lay.body_start + block_size
        while target < lay.body_end:
            fh.seek(target)
            window = fh.read(1 << 20)
            k = window.find(end_tag)
            if k == -1:
                target += len(window) or 1
                if not window:
                    break
                continue
            cut = target + k + len(end_tag)
            if cut >= lay.body_end:
                break
            cuts.append(cut)
            target = cut + block_size
    cuts.append(lay.body_end)
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


@dataclass
class XmlBlockResult:
    records: int = 0
    newlines: int = 0
    groups: Counter = field(default_factory=Counter)
    listed: list[tuple[int, RecordFacts]] = field(default_factory=list)  # (local no, facts)


_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


class _Patterns(NamedTuple):
    """The regular expressions that read a plain MARC 21 slim record written with a prefix."""

    record: re.Pattern  # a record start tag and its attributes
    subfields: Callable  # findall: (code, value) of a data field's body
    plain: re.Pattern  # fullmatch: a record's content holds plain elements only
    plain_first: re.Pattern  # the same, the leader first (read in the one pass)
    leaders: Callable  # findall: the leaders' text
    tags: Callable  # findall: the tag of every field
    first_fields: Callable  # findall: the fields of _FIRST_READ
    count_fields: Callable  # findall: the fields of _COUNT_READ
    listed_fields: Callable  # findall: the fields of _READ


_PATTERNS: dict[bytes, _Patterns] = {}


def _patterns(prefix: bytes) -> _Patterns:
    pats = _PATTERNS.get(prefix)
    if pats is None:
        p = re.escape(prefix)
        attr = rb'"([^"<&\t\n\r]*)"'

        def data_field(tag: bytes, ind: bytes, code: bytes, body: bytes) -> bytes:
            return (rb"<" + p + rb"datafield tag=" + tag + rb" ind1=" + ind + rb" ind2=" + ind + rb">"
                    + body % (rb"<" + p + rb"subfield code=" + code + rb">[^<]*</" + p + rb"subfield>")
                    + rb"\s*</" + p + rb"datafield>")

        def control_field(tag: bytes, text: bytes) -> bytes:
            return rb"<" + p + rb"controlfield tag=" + tag + rb">" + text + rb"</" + p + rb"controlfield>"

        # the whole content of a record, plain elements only (possessive: no backtracking):
        # tags of three letters or digits, indicators of one printable ASCII character,
        # subfield codes of one byte (ASCII, the block being UTF-8); the careful reader
        # reports anything else
        tag_a, ind_a, code_a = rb'"[0-9A-Za-z]{3}"', rb'"[ !#-%\'-;=-~]"', rb'"[^"<&\t\n\r]"'
        fields = (control_field(tag_a, rb"[^<]*") + rb"|"
                  + data_field(tag_a, ind_a, code_a, rb"(?>\s*%b)*+"))
        leader_el = rb"<" + p + rb"leader>([^<]*)</" + p + rb"leader>"

        def fields_of(wanted: frozenset):
            # the fields with these tags, in document order, as control or data fields
            tag = rb'"(' + rb"|".join(sorted(t.encode() for t in wanted)) + rb')"'
            return re.compile(control_field(tag, rb"([^<]*)") + rb"|"
                              + data_field(tag, attr, attr, rb"((?:\s*%b)*)")).findall

        pats = _PATTERNS[prefix] = _Patterns(
            record=re.compile(rb"<" + p + rb"record((?:\s+[\w:.-]+=\"[^\"<]*\")*)\s*>"),
            subfields=re.compile(rb"<" + p + rb"subfield code=" + attr + rb">([^<]*)</" + p
                                 + rb"subfield>").findall,
            plain=re.compile(rb"(?:\s*(?:" + leader_el + rb"|" + fields + rb"))*+\s*"),
            plain_first=re.compile(rb"\s*" + leader_el + rb"(?:\s*(?:" + fields + rb"))*+\s*"),
            leaders=re.compile(leader_el).findall,
            tags=re.compile(rb"<" + p + rb"(?:control|data)field tag=\"([^\"]*)\"").findall,
            first_fields=fields_of(_FIRST_READ), count_fields=fields_of(_COUNT_READ),
            listed_fields=fields_of(_READ))
    return pats


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")  # UnicodeDecodeError: the caller falls back
    if "&" not in text:
        return text

    def one(m):
        if m.group(1):
            return _NAMED[m.group(1)]
        cp = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
        if cp < 0x20 and cp not in (9, 10, 13) or 0xD800 <= cp <= 0xDFFF or cp in (0xFFFE, 0xFFFF) \
                or cp > 0x10FFFF:
            raise NotPlain("a character reference XML does not allow")
        return chr(cp)
    return _ENTITY.sub(one, text)


# what counting reads (dates, languages, the flavour's 100$a, the default rules' 135/215/007);
# the undated and deleted records, which are listed with their 001 and title, are read
# again with every field facts use (_READ)
_COUNT_READ = frozenset(("008", "041", "100", "101", "135", "215", "007", "801"))
# what gives the flavour (100$a), the date (008, 100$a; 801 only where 100$a has none) and
# the languages (008, 041, 101)
_FIRST_READ = frozenset(("008", "041", "100", "101"))
_CHARREF = re.compile(rb"&#(?:x([0-9a-fA-F]+)|([0-9]+));")


def _has_pair(buf: bytes, pair: bytes) -> bool:
    """``pair in buf`` for a pair whose second byte is rare (``<!``, ``<?``): searching
    for the rare byte is many times faster than for the pair when the first is ``<``."""
    second = pair[1:]
    i = buf.find(second, 1)
    seen = 0
    while i != -1:
        if buf[i - 1] == pair[0]:
            return True
        seen += 1
        if seen > 1000:
            return pair in buf
        i = buf.find(second, i + 1)
    return False


def _check_record(content: bytes, pats: _Patterns) -> tuple[str, list[bytes]]:
    """(leader, tags) of a record's content, NotPlain unless it is plain MARC 21 slim; the
    tags are those of every field, as bytes."""
    m = pats.plain_first.fullmatch(content)
    if m is not None:
        leader = _text(m.group(1))
    else:
        if pats.plain.fullmatch(content) is None:
            raise NotPlain("an element that is not plain MARC 21 slim")
        leaders = pats.leaders(content)
        if len(leaders) != 1:
            raise NotPlain("two leaders" if leaders else "odd leader")
        leader = _text(leaders[0])
    if len(leader) != 24 or leader.strip("\r\n\t") != leader or not leader.strip():
        raise NotPlain("odd leader")
    return leader, pats.tags(content)


def _read_fields(content: bytes, fields_findall, sub_findall) -> list[Field]:
    """The fields ``fields_findall`` picks (one C pass over a plain record), as Fields
    equal to those the careful reader makes."""
    fields: list[Field] = []
    for raw in fields_findall(content):
        f = _FIELDS.get(raw)
        if f is None:
            ctag, ctext, dtag, i1, i2, body, _ = raw
            if dtag:
                f = Field(dtag.decode("ascii"), ind1=i1.decode("ascii"), ind2=i2.decode("ascii"),
                          subfields=[(c.decode("utf-8") if b"&" not in c else _text(c),
                                      v.decode("utf-8") if b"&" not in v else _text(v))
                                     for c, v in sub_findall(body)])
            else:
                f = Field(ctag.decode("ascii"), data=_text(ctext))
            if len(_FIELDS) > 20_000:
                _FIELDS.clear()
            _FIELDS[raw] = f
        fields.append(f)
    return fields


# Fields made from the same bytes (a language field, a day's 100 field), shared: counting
# only reads them
_FIELDS: dict[tuple, Field] = {}


# the flavour score of a record's set of tags (keyed by the tags in order): records of one
# catalogue repeat a few hundred tag lists
_TAG_SCORES: dict[bytes, int] = {}
# level by the default rules from the leader alone (less its length and base address),
# for the records whose level no field decides
_LEADER_LEVELS: dict[tuple[str, str], str] = {}


def _tag_score(tags: list[bytes]) -> int:
    key = b"".join(tags)
    hit = _TAG_SCORES.get(key)
    if hit is None:
        names = {t.decode("ascii") for t in tags}
        if len(_TAG_SCORES) > 10_000:
            _TAG_SCORES.clear()
        hit = _TAG_SCORES[key] = flavour_score(names, None, "008" in names)
    return hit


def analyse_xml_block(buf: bytes, lay: XmlLayout, *, display: str, db_level, classify,
                      flavour: str | None) -> XmlBlockResult:
    """Records of one block; NotPlain when anything needs the careful reader.

    The block is read with regular expressions that accept only the plain form (every
    record, field and subfield element matched exactly, nothing left between them but
    white space), so what they accept is well-formed and reads as the XML parser reads it.
    What holds for the whole block is checked once: UTF-8, characters XML allows, no
    markup other than elements, character references XML allows."""
    if _has_pair(buf, b"<!") or _has_pair(buf, b"<?") or b"\r" in buf \
            or (b"&" in buf and _BADREF.search(buf)):
        raise NotPlain("comments, declarations, CDATA, entity references or carriage returns")
    arr = np.frombuffer(buf, dtype=np.uint8)
    if not utf8_valid(buf, arr, arr >= 0x80):
        raise NotPlain("bytes that are not UTF-8")
    newlines = int(np.count_nonzero(arr == 10))
    controls = int(np.count_nonzero(arr < 0x20))  # XML allows only tab, newline (and CR)
    if controls != newlines and controls != newlines + buf.count(b"\t") \
            or b"\xef" in buf and (b"\xef\xbf\xbe" in buf or b"\xef\xbf\xbf" in buf):  # U+FFFE, U+FFFF
        raise NotPlain("characters XML does not allow")
    if _has_pair(buf, b"&#"):
        for m in _CHARREF.finditer(buf):
            _text(m.group(0))  # NotPlain for a character XML does not allow
    pats = _patterns(lay.prefix)
    sub_findall = pats.subfields
    res = XmlBlockResult(newlines=newlines)
    groups = res.groups
    pos = 0
    nl_before = 0  # newlines before the record element being read
    nl_to = 0  # ... counted up to here
    number = 0
    start_tag = b"<" + lay.prefix + b"record"
    end_tag = b"</" + lay.prefix + b"record>"
    find = buf.find
    plain_attrs: set[bytes] = set()  # record attributes seen and found harmless
    while True:
        begin = find(start_tag, pos)
        if begin == -1:
            break
        if begin != pos and buf[pos:begin].strip():
            raise NotPlain("something between records")
        m = pats.record.match(buf, begin)
        close = find(end_tag, begin)
        if m is None or close == -1:
            raise NotPlain("a record start tag that is not plain")
        if m.group(1) and m.group(1) not in plain_attrs:
            attrs = dict(_ATTR.findall(m.group(1)))
            if b"format" in attrs or attrs.get(b"xmlns", SLIM) != SLIM:
                raise NotPlain("record attributes that change how it is read")
            plain_attrs.add(m.group(1))
        content = buf[m.end():close]
        pos = close + len(end_tag)
        leader, tags = _check_record(content, pats)
        number += 1
        # first only the fields that give the flavour, the date and the languages
        record = Record(leader, _read_fields(content, pats.first_fields, sub_findall))
        if flavour:
            fl = flavour
        else:  # as detect_flavour decides it, from every tag of the record and 100$a
            sc = _tag_score(tags)
            f100 = record.get_field("100")
            if f100 is not None and not f100.is_control:
                sc += flavour_score(_NO_TAGS, f100.get("a"), False)
            fl = MARC21 if sc < 0 else UNIMARC
        d = date_entered_of(record, fl)[0]
        fields_rule = db_level is None and leader[6] == ("m" if fl == MARC21 else "l")
        if d is None or fields_rule:
            # the date is elsewhere (801) or the level rules read fields: all counting reads
            record = Record(leader, _read_fields(content, pats.count_fields, sub_findall))
            d = date_entered_of(record, fl)[0]
        if db_level is not None:
            level = db_level
        elif fields_rule:
            level = classify(SourceRecord(display, number, 0, 0, record, fl, "utf-8",
                                          lay.encoding_reason), db_level)[0]
        else:
            lkey = (fl, leader[5:12] + leader[17:])
            level = _LEADER_LEVELS.get(lkey)
            if level is None:
                level = _LEADER_LEVELS[lkey] = classify_record(
                    Record("00000" + leader[5:12] + "00000" + leader[17:], []), fl, DEFAULT_RULES)[0]
        if d is None or leader[5] == "d" or leader[6] in NOT_BIBLIOGRAPHIC_TYPES:
            # listed with its 001 and title: read every field facts use
            nl_before += buf.count(b"\n", nl_to, begin)
            nl_to = begin
            full = Record(leader, _read_fields(content, pats.listed_fields, sub_findall))
            src = SourceRecord(display, number, 0, 0, full, fl, "utf-8",
                               lay.encoding_reason, line=nl_before)  # the caller shifts it
            res.listed.append((number, extract_facts(src, level)))
        else:
            langs, coded = languages_of(record, fl)
            groups[(d.year * 10000 + d.month * 100 + d.day, fl, "utf-8",
                    lay.encoding_reason, leader[6], leader[7], langs[0], coded, level)] += 1
    if buf[pos:].strip():
        raise NotPlain("something after the last record")
    res.records = number
    return res
