"""What ``rabiskit audit`` reports: findings, their kinds, and the whole result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _encode_text  # type: ignore[attr-defined]
from typing import Any, Iterator

from rabiskit.jsontext import _float_text, scalar_text

#: The finding kinds, in the order they are listed (stable names: JSON keys, sheet names).
KINDS: tuple[str, ...] = (
    "missing_language", "language_mismatch", "invalid_language_code",
    "encoding_damage", "mixed_script",
    "missing_date_entered", "invalid_date", "future_date",
    "duplicate",
    "missing_control_number", "repeated_control_number", "salvaged_record",
)

#: What each kind means, for tables and spreadsheets (Kazakh, Russian, English).
KIND_NAMES: dict[str, dict[str, str]] = {
    "missing_language": {"kk": "Мәтін тілі көрсетілмеген", "ru": "Не указан язык текста",
                         "en": "No language of the text"},
    "language_mismatch": {"kk": "Тіл коды мәтінге сәйкес емес",
                          "ru": "Код языка не соответствует тексту",
                          "en": "Language code disagrees with the text"},
    "invalid_language_code": {"kk": "Тіл коды қате", "ru": "Неверный код языка",
                              "en": "Invalid language code"},
    "encoding_damage": {"kk": "Кодтау бүлінген", "ru": "Повреждена кодировка",
                        "en": "Encoding damage"},
    "mixed_script": {"kk": "Кирилл сөзінде латын әріптері", "ru": "Латиница внутри кириллицы",
                     "en": "Latin letters inside Cyrillic words"},
    "missing_date_entered": {"kk": "Енгізу күні жоқ", "ru": "Нет даты ввода",
                             "en": "No date entered"},
    "invalid_date": {"kk": "Күні қате", "ru": "Неверная дата", "en": "Invalid date"},
    "future_date": {"kk": "Күні болашақта", "ru": "Дата в будущем", "en": "Date in the future"},
    "duplicate": {"kk": "Қайталанатын жазба", "ru": "Дублетная запись", "en": "Duplicate record"},
    "missing_control_number": {"kk": "001 жоқ", "ru": "Нет поля 001",
                               "en": "No control number (001)"},
    "repeated_control_number": {"kk": "001 файлда қайталанады", "ru": "001 повторяется в файле",
                                "en": "Control number repeated in the file"},
    "salvaged_record": {"kk": "Бүлінген, қалпына келтірілген жазба",
                        "ru": "Повреждённая запись (восстановлена)",
                        "en": "Damaged record (salvaged by the reader)"},
}


def kind_name(kind: str, lang: str = "en") -> str:
    return KIND_NAMES.get(kind, {}).get(lang, kind)


@dataclass(frozen=True)
class Finding:
    """One thing the bibliographer should look at in one record.

    ``record`` is the 1-based record number in ``file``, ``offset`` its byte offset (XML:
    0, with ``line``), ``id`` its 001.  ``field`` names the field and subfield concerned
    ("101$a", "200$a", "100$a/0-7"), ``evidence`` says what was seen, ``confidence`` (0..1)
    how sure the check is.  ``group`` numbers the members of one duplicate group (or one
    repeated 001) so that they can be sorted together; ``level`` is the record's catalogue
    level and ``languages`` its coded languages.
    """

    kind: str
    file: str
    record: int
    offset: int
    id: str | None
    title: str | None
    field: str
    evidence: str
    confidence: float
    level: str | None = None
    languages: tuple[str, ...] = ()
    line: int | None = None
    group: int | None = None

    def as_dict(self) -> dict:
        d = {"kind": self.kind, "file": self.file, "record": self.record, "offset": self.offset,
             "id": self.id, "title": self.title, "field": self.field, "evidence": self.evidence,
             "confidence": self.confidence, "level": self.level,
             "languages": list(self.languages)}
        if self.line is not None:
            d["line"] = self.line
        if self.group is not None:
            d["group"] = self.group
        return d

    def json_text(self) -> str:
        """``as_dict()`` as the JSON document lists it (``finding_json``), written field by
        field (:func:`finding_text`)."""
        return finding_text(self.kind, self.file, self.record, self.offset, self.id, self.title,
                            self.field, self.evidence, self.confidence, self.level,
                            self.languages, self.line, self.group)

    def sort_key(self) -> tuple:
        return (KINDS.index(self.kind) if self.kind in KINDS else len(KINDS),
                self.group if self.group is not None else 0, self.file, self.record)


def finding_text(kind: str, file: str, record: int, offset: int, id: str | None,
                 title: str | None, field: str, evidence: str, confidence: float,
                 level: str | None, languages: tuple[str, ...], line: int | None,
                 group: int | None, *, file_text: str | None = None) -> str:
    """The JSON text of the finding of these fields (``Finding.json_text``), for those who
    make many findings' text without making the findings (the duplicates: see
    ``FindingStore.add_made``); ``file_text``: ``file``'s JSON text, when known."""
    e = _encode_text
    langs = languages_text(languages)
    text = (f'{{\n      "kind": {e(kind)},\n      "file": {file_text or e(file)}'
            f',\n      "record": {_number(record)},\n      "offset": {_number(offset)}'
            f',\n      "id": {"null" if id is None else e(id)}'
            f',\n      "title": {"null" if title is None else e(title)}'
            f',\n      "field": {e(field)},\n      "evidence": {e(evidence)}'
            f',\n      "confidence": {_number(confidence)}'
            f',\n      "level": {"null" if level is None else e(level)}'
            f',\n      "languages": {langs}')
    if line is not None:
        text += ',\n      "line": ' + _number(line)
    if group is not None:
        text += ',\n      "group": ' + _number(group)
    return text + "\n    }"


def languages_text(languages: tuple[str, ...]) -> str:
    """A finding's languages as ``finding_text`` writes them (a JSON list, indented)."""
    # (a few lists of codes make most records')
    langs = _LANGUAGES_TEXT.get(languages) if languages.__class__ is tuple else None
    if langs is None:
        langs = ("[\n        " + ",\n        ".join(map(_encode_text, languages)) + "\n      ]"
                 if languages else "[]")
        if len(_LANGUAGES_TEXT) < 1 << 10 and languages.__class__ is tuple:
            _LANGUAGES_TEXT[languages] = langs
    return langs


_LANGUAGES_TEXT: dict[tuple, str] = {}


def _number(v: Any) -> str:
    """``_scalar`` of a number, an int or a float the quickest."""
    cls = v.__class__
    if cls is int:
        return int.__repr__(v)
    return _float_text(v) if cls is float else _scalar(v)


def _scalar(v: Any) -> str:
    """One value as ``json.dumps(v, ensure_ascii=False)`` writes it."""
    if isinstance(v, str):
        return _encode_text(v)
    text = scalar_text(v)
    return text if text is not None else json.dumps(v, ensure_ascii=False)


def finding_json(d: dict) -> str:
    """A finding's JSON object as ``json.dumps(d, ensure_ascii=False, indent=2)`` writes it,
    each line after the first indented by four more blanks (its place in the list of
    findings); written here because the indented ``json.dumps`` runs in Python, slowly."""
    items = []
    for k, v in d.items():
        if isinstance(v, list) and any(isinstance(x, (list, dict)) for x in v):
            return json.dumps(d, ensure_ascii=False, indent=2).replace("\n", "\n    ")
        if isinstance(v, list):
            text = ("[\n        " + ",\n        ".join(map(_scalar, v)) + "\n      ]"
                    if v else "[]")
        elif isinstance(v, dict):
            text = json.dumps(v, ensure_ascii=False, indent=2).replace("\n", "\n      ")
        else:
            text = _scalar(v)
        items.append(f"{_encode_text(k)}: {text}")
    return "{\n      " + ",\n      ".join(items) + "\n    }"


@dataclass
class ShareRow:
    """The Kazakh share of one level's new records in the period.

    ``records``: records of the level in the period; ``coded_kazakh``: of them, first coded
    language kaz; ``written_kazakh``: detected as written in Kazakh (records the detector
    could not decide count by their coding: ``from_coding`` of them).  ``target_total`` /
    ``target_kazakh`` are the plan's figures for the period (None when it sets none).
    """

    records: int = 0
    coded_kazakh: int = 0
    written_kazakh: int = 0
    from_coding: int = 0
    target_total: int | None = None
    target_kazakh: int | None = None

    @property
    def coded(self) -> float | None:
        return round(self.coded_kazakh / self.records, 4) if self.records else None

    @property
    def written(self) -> float | None:
        return round(self.written_kazakh / self.records, 4) if self.records else None

    @property
    def target(self) -> float | None:
        if not self.target_total:
            return None
        return round((self.target_kazakh or 0) / self.target_total, 4)

    def as_dict(self) -> dict:
        return {"coded": self.coded, "written": self.written, "target": self.target,
                "records": self.records, "coded_kazakh": self.coded_kazakh,
                "written_kazakh": self.written_kazakh, "written_from_coding": self.from_coding,
                "target_records": self.target_total, "target_kazakh": self.target_kazakh}


@dataclass
class AuditResult:
    """Everything an audit found: the findings (kept in ``store``, a
    :class:`rabiskit.audit.store.FindingStore`, read back in order: by kind, then file and
    record), the ``summary`` (count per kind, every kind present, zeros included),
    ``kazakh_share`` per level (and "total") for ``period``, plus the read statistics.

    ``iter_findings()`` streams the findings; ``findings`` is the whole list (for small
    audits and tests); ``as_dict()`` the JSON document, with every finding in memory, and
    :meth:`json_chunks` the same text written piece by piece."""

    store: Any = None  # rabiskit.audit.store.FindingStore
    kazakh_share: dict[str, ShareRow] = field(default_factory=dict)
    period: object | None = None  # rabiskit.aggregate.period.Period
    records: int = 0
    in_period: int = 0
    not_bibliographic: int = 0  # records read that are authority, holdings ... (not checked)
    today: object | None = None  # datetime.date the date checks compared with
    scan: object | None = None  # rabiskit.facts.scan.Scan (files, problems, warnings)

    def __post_init__(self) -> None:
        if self.store is None:
            from rabiskit.audit.store import FindingStore

            self.store = FindingStore()

    @property
    def summary(self) -> dict[str, int]:
        return dict(self.store.counts)

    @property
    def finding_count(self) -> int:
        return self.store.total

    def iter_findings(self) -> Iterator[Finding]:
        """Every finding, in the order the outputs list them, read back from the store."""
        return self.store.sorted()

    def iter_kind(self, kind: str) -> Iterator[Finding]:
        return self.store.of_kind(kind)

    @property
    def findings(self) -> list[Finding]:
        return list(self.iter_findings())

    def by_kind(self, kind: str) -> list[Finding]:
        return list(self.iter_kind(kind))

    def as_dict(self, *, findings: bool = True) -> dict:
        """The JSON document (``findings=False``: with an empty list of findings)."""
        d = {
            "summary": self.summary,
            "findings": [f.as_dict() for f in self.iter_findings()] if findings else [],
            "kazakh_share": {lv: row.as_dict() for lv, row in self.kazakh_share.items()},
            "records": self.records,
            "in_period": self.in_period,
            "not_bibliographic": self.not_bibliographic,
        }
        if self.period is not None:
            d["period"] = self.period.as_dict()  # type: ignore[attr-defined]
        if self.today is not None:
            d["today"] = self.today.isoformat()  # type: ignore[attr-defined]
        if self.scan is not None:
            scan: Any = self.scan
            d["files"] = [{"file": f.file, "records": f.records, "damaged": f.damaged,
                           "problems": len(f.problems), **({"error": f.error} if f.error else {}),
                           **({"duplicate_of": f.duplicate_of} if f.duplicate_of else {})}
                          for f in scan.files]
            d["warnings"] = list(scan.warnings)
        return d

    def _head_tail(self) -> tuple[str, str]:
        """The document's text before the first finding and after the last one's ``}``."""
        head, tail = json.dumps(self.as_dict(findings=False), ensure_ascii=False,
                                indent=2).split('\n  "findings": [],\n', 1)
        return head + '\n  "findings": [', ",\n" + tail

    def json_chunks(self) -> Iterator[str]:
        """The text of ``json.dumps(self.as_dict(), ensure_ascii=False, indent=2)``, in
        pieces, one finding at a time (the findings are never all in memory)."""
        head, tail = self._head_tail()
        yield head
        sep = "\n    "
        first = True
        for text in self.store.texts():
            yield ("" if first else ",") + sep + text
            first = False
        yield ("]" if first else "\n  ]") + tail

    def json_bytes(self, parts: int | None = None) -> Iterator[bytes]:
        """``json_chunks``' text as UTF-8 bytes, in pieces of a few hundred kilobytes, the
        duplicates' texts made in ``parts`` processes side by side (default: one per usable
        core; 1: in this one; see ``rabiskit.audit.spread``): the same bytes."""
        head, tail = self._head_tail()
        yield head.encode("utf-8")
        first = True
        for piece in self.store.json_bytes(",\n    ", parts):
            if first and piece:
                piece = piece[1:]  # (the first finding has no comma before it)
                first = False
            yield piece
        yield (("]" if first else "\n  ]") + tail).encode("utf-8")

    def close(self) -> None:
        """Remove the spooled findings (also done when the result is collected)."""
        self.store.close()
