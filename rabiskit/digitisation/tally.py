"""Counting digitised documents and pages per type and language, against the plan.

``DigitisationTally(plan, period, pdf_index=None, log=None)`` is fed the scan's
(SourceRecord, RecordFacts) pairs one at a time with ``.add(src, facts)``; a record is a
digitised document when the plan's link field (856$u by default) is filled.
``.result()`` merges the log, matches PDFs, and returns the JSON of ``rabiskit
digitisation`` (see :mod:`rabiskit.digitisation`).  ``result`` does not change the tally:
it may be called more than once.

Rules (all from the plan file where the plan has a setting):

* type: see :mod:`rabiskit.digitisation.classify`; language: the first language of the
  text (Kazakh = ``kaz``).
* pages: the PDF's own page count when the linked PDF is found and readable (several
  linked PDFs: their sum), else the article's page range or the book's extent; a record
  with no page count counts as a document with 0 pages and is listed in ``no_pages``.
* date digitised: the first date found in the plan's ``date_order`` — ``pdf``: the
  linked PDF's creation date (the earliest of several; the file's modification time
  when the PDF states none), ``changed``: 005, ``entered``: the date the record was
  entered.  Log rows: the row's date, else the PDF's.
* a document counts in the period when its date digitised is inside it; documents with
  no date are listed in ``undated``.
* one document per file: a second record (or log row) linking a file name already
  counted is listed in ``duplicates`` and not counted again; log rows whose file a
  catalogue record links are not counted (the catalogue wins).
* deleted records (leader/05 d) are not counted.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from array import array
from collections import defaultdict, namedtuple
from typing import Iterable, NamedTuple

from rabiskit.i18n import N_
from rabiskit.aggregate.count import percent
from rabiskit.aggregate.period import Period, quarter_of
from rabiskit.digitisation.classify import (document_kind, file_name_of, is_article, is_pdf_name,
                                            link_key, link_key_named, link_values, links_in,
                                            newspaper_keys)
from rabiskit.digitisation.log import DigitisationLog, LogEntry
from rabiskit.digitisation.model import (CREATED_MTIME, KAZAKH, OTHER, PAGES_EXTENT, PAGES_LOG,
                                         PAGES_PDF, PAGES_RANGE, Document, PdfInfo, TypeCount)
from rabiskit.digitisation.pdfs import PdfIndex
from rabiskit.digitisation.store import (DocumentStore, Documents, document_json,
                                        fields_json_parts, with_record)
from rabiskit.facts.model import RecordFacts
from rabiskit.records.record import IRBIS
from rabiskit.sources.irbis_fields import links as irbis_links
from rabiskit.plan.model import DIGITISATION_COLUMNS, Plan
from rabiskit.rules.levels import DIGITISATION_NAMES, DIGITISATION_TYPES, TOTAL_NAMES

MEASURES = ("documents", "pages", "kazakh_documents", "kazakh_pages")

#: Names of the ``other`` row (serials with a link): in no plan row, but in the total.
OTHER_NAMES = {"kk": "Басқа (мерзімді басылымдар)", "ru": "Прочие (сериальные издания)",
               "en": "Other (serials)"}


def _target_dict(values: tuple[int, int, int, int] | None, prefix: str = "target_") -> dict:
    """Plan targets (documents, kazakh_documents, pages, kazakh_pages) as JSON keys."""
    if values is None:
        return {f"{prefix}{m}": None for m in MEASURES}
    by_column = dict(zip(DIGITISATION_COLUMNS, values))
    return {f"{prefix}{m}": by_column[m] for m in MEASURES}


def type_json(count: TypeCount, target: tuple[int, int, int, int] | None,
              names: dict | None = None) -> dict:
    """One row of the table: actual numbers, targets and % done (None without a target)."""
    d = {m: getattr(count, m) for m in MEASURES}
    d.update(_target_dict(target))
    for m in MEASURES:
        d[f"percent_{m}"] = percent(d[m], d[f"target_{m}"])
    if names is not None:
        d["names"] = dict(names)
    return d


def _pdf_created_date(info: PdfInfo) -> dt.date | None:
    return info.created.date() if info.created else None


class LinkedCopies(NamedTuple):
    """A record's links with what the tally compares them by: the link keys (``link_key``,
    duplicates removed, in order) and each link's file name (``file_name_of``); made where
    the record is read (a worker process), so the tally only looks them up."""

    links: tuple[str, ...]
    keys: tuple[str, ...]
    names: tuple[str | None, ...]


def linked_copies(links: Iterable[str]) -> LinkedCopies:
    links = tuple(links)
    if len(links) == 1:  # most linked records: one link
        name = file_name_of(links[0])
        return LinkedCopies(links, (link_key_named(links[0], name),), (name,))
    names = tuple([file_name_of(v) for v in links])
    return LinkedCopies(links, tuple(dict.fromkeys([link_key_named(v, n) for v, n in zip(links, names)])),
                        names)


def copies_of_values(values: list[str]) -> LinkedCopies | None:
    """The ``linked_copies`` of a UNIMARC or MARC 21 record whose link subfield holds
    ``values`` (``Record.subfields``; its links are ``links_in`` them, as ``link_values``
    gives them); None when it links nothing."""
    links = links_in(values)
    return linked_copies(links) if links else None


def record_links(tag: str, code: str, src) -> list[str]:
    """A record's links to its digitised copies: ``tag``$``code``; IRBIS-native records with
    the default 856$u: 951 (^I URL, ^A file name), then 856."""
    if src.flavour == IRBIS and (tag, code) == ("856", "u"):
        return list(irbis_links(src.record))
    return link_values(src.record, tag, code)


class DocumentForm(NamedTuple):
    """What a catalogue document's JSON takes from the tally when no PDF folder is matched
    (``DigitisationTally.document_form``): sent to the processes reading the blocks, which
    write the documents of the linked records they settle (``settled_document``)."""

    newspapers: frozenset[str]
    date_order: tuple[str, ...]
    period: Period


class SettledDocument(NamedTuple):
    """A linked record's catalogue document as the process reading its block writes it
    (``settled_document``), for ``DigitisationTally.add_settled``: the record's link keys
    and links, its JSON text in UTF-8 but the record number, which only the merge in file
    order knows (``head``, the number, ``tail``), and the figures the tally keeps
    (``pages`` -1, ``date`` 0: none).  Sent as a plain tuple of these fields: through the
    pipe from a worker process a class's objects are rebuilt by a call each (measured on
    the short benchmark file: 0.8 microseconds a linked record to unpickle the plain
    tuples with the block's facts, 1.3 these NamedTuples)."""

    keys: tuple[str, ...]
    links: tuple[str, ...]
    head: bytes
    tail: bytes
    kind: str
    kazakh: bool
    pages: int
    date: int


class _TupleFacts(namedtuple("_TupleFacts", [f.name for f in dataclasses.fields(RecordFacts)])):
    """A ``facts_tuple`` (``rabiskit.facts.fast``) read as its RecordFacts, without making
    one: the fields by name and the properties the documents read."""

    __slots__ = ()
    language = RecordFacts.language
    is_deleted = RecordFacts.is_deleted
    not_bibliographic = RecordFacts.not_bibliographic


def _catalogue_pages(facts, kind: str) -> tuple[int | None, str]:
    """The catalogue's page count of a linked record of type ``kind`` and where it comes
    from: an article's page range, a book's extent, none for the other types."""
    if is_article(facts.bibliographic_level):
        return facts.article_pages, PAGES_RANGE
    if kind == OTHER:
        return None, ""
    return facts.pages, PAGES_EXTENT


def _unmatched_date(facts, date_order: tuple[str, ...]) -> tuple[dt.date | None, str]:
    """The date digitised of a record whose links are matched with no PDF folder: the
    plan's date order without its PDFs (``_choose_date``)."""
    for source in date_order:
        if source == "changed" and facts.date_changed is not None:
            return facts.date_changed.date(), "changed"
        if source == "entered" and facts.date_entered is not None:
            return facts.date_entered, "entered"
    return None, ""


def _unmatched_parts(facts, links: tuple[str, ...], kind: str, cat_pages: int | None,
                     cat_source: str, date: dt.date | None, date_source: str,
                     in_period: bool) -> tuple[str, str]:
    """The JSON text of such a record's document but its record number (``fields_json_parts``;
    TypeError for a field of another type than ``Document`` names)."""
    return fields_json_parts(
        "catalogue", facts.file, facts.offset, facts.control_number, facts.title, facts.line,
        kind, facts.language, cat_pages, cat_source if cat_pages is not None else "",
        cat_pages, date, date_source, links, (), facts.host_title, (), in_period)


def settled_documents(form: DocumentForm | None, facts: list[tuple], values: list[list[str]]
                      ) -> list[tuple | LinkedCopies | None]:
    """``settled_document`` of each of a block's settled linked records: their
    ``facts_tuple``s and the values of their link subfield (``copies_of_values``)."""
    return [settled_document(form, t, copies_of_values(v)) for t, v in zip(facts, values)]


def settled_document(form: DocumentForm | None, facts: tuple, copies: LinkedCopies | None
                     ) -> tuple | LinkedCopies | None:
    """What ``add_settled`` takes of a linked record the block path settled, made in the
    process reading its block: ``facts`` (a ``facts_tuple``) and its ``copies`` as the plain
    tuple of a ``SettledDocument``; ``copies`` as they are when there is no form (a PDF
    folder: the documents are matched in the tally), for a record that is no document of
    the catalogue's (not bibliographic, deleted) or has a field of another type."""
    if form is None or copies is None:
        return copies
    f = _TupleFacts._make(facts)
    if f.not_bibliographic or f.is_deleted:
        return copies
    kind = document_kind(f.bibliographic_level, f.host_title, form.newspapers)
    cat_pages, cat_source = _catalogue_pages(f, kind)
    date, date_source = _unmatched_date(f, form.date_order)
    try:
        head, tail = _unmatched_parts(f, copies.links, kind, cat_pages, cat_source, date,
                                      date_source, bool(date and form.period.contains(date)))
        pages = -1 if cat_pages is None else cat_pages
        day = 0 if date is None else date.toordinal()
    except (TypeError, AttributeError):  # the tally's general way decides
        return copies
    return (copies.keys, copies.links, head.encode("utf-8"), tail.encode("utf-8"), kind,
            f.language == KAZAKH, pages, day)


class DigitisationTally:
    """The running count of digitised documents (see the module docstring)."""

    def __init__(self, plan: Plan, period: Period, pdf_index: PdfIndex | None = None,
                 log: DigitisationLog | None = None) -> None:
        self.plan = plan
        self.period = period
        self.pdf_index = pdf_index
        self.log = log
        self.link_field = plan.link_field
        self.link_subfield = plan.link_subfield
        self.date_order = tuple(plan.date_order)
        self.newspapers = newspaper_keys(plan.newspapers)
        self.records_read = 0
        self.deleted_with_links = 0
        self.not_bibliographic = 0  # authority, holdings ... records (leader/06): not looked at
        # the catalogue's documents: their JSON in a store, the figures the tally counts
        # in arrays (kind: an index into ``_kinds``; pages -1 and date 0: none)
        self._store = DocumentStore()
        self._kinds: list[str] = []
        self._kind = array("b")
        self._kazakh = array("b")
        self._pages = array("q")
        self._date = array("l")
        self.duplicates: list[dict] = []
        self.missing_pdfs: list[dict] = []
        self.page_mismatches: list[dict] = []
        self.warnings: list[str] = []
        self._seen: dict[str, int] = {}  # link key -> its first catalogue document's number
        self._facts_only_warned = False

    # -- feeding ---------------------------------------------------------------------------
    def add(self, src, facts: RecordFacts) -> None:
        """Look at one record.  ``src`` (the SourceRecord) gives the plan's link field; when
        it is None the facts' 856$u links are used."""
        self.add_links(self.links_of(src, facts), facts)

    def link_tags(self) -> frozenset[str]:
        """The fields that hold a record's links (IRBIS-native records also 951)."""
        return frozenset((self.link_field,))

    def links_of(self, src, facts: RecordFacts) -> list[str]:
        """The record's links to its digitised copies (``src`` None: the facts' 856$u)."""
        if src is not None:
            return record_links(self.link_field, self.link_subfield, src)
        else:
            if (self.link_field, self.link_subfield) != ("856", "u") and not self._facts_only_warned:
                self.warnings.append(
                    N_("the plan links digitised copies in {link_field}${link_subfield}, but only 856$u was available for these records").format(
                        link_field=self.link_field, link_subfield=self.link_subfield))
                self._facts_only_warned = True
            return [v for v in facts.links if v]

    def add_unlinked(self, n: int) -> None:
        """``n`` records of the block path's: read; those with links come by ``add_links``
        too (``counted``)."""
        self.records_read += n

    def add_links(self, links: list[str] | LinkedCopies, facts: RecordFacts, *,
                  counted: bool = False) -> None:
        """One record and its links (``links_of``, or ``linked_copies`` of them);
        ``counted``: the record is already in ``records_read`` (``add_unlinked``)."""
        if not counted:
            self.records_read += 1
        if facts.not_bibliographic:
            self.not_bibliographic += 1  # an authority record's links are no digitised copy
            return
        if not (links.links if isinstance(links, LinkedCopies) else links):
            return
        if facts.is_deleted:
            self.deleted_with_links += 1
            return
        copies = links if isinstance(links, LinkedCopies) else linked_copies(links)
        kind = document_kind(facts.bibliographic_level, facts.host_title, self.newspapers)
        cat_pages, cat_source = _catalogue_pages(facts, kind)
        if self.pdf_index is None:
            self._add_unmatched(copies, facts, kind, cat_pages, cat_source)
            return
        doc = Document(
            source="catalogue", kind=kind, language=facts.language, pages=cat_pages,
            pages_source=cat_source if cat_pages is not None else "", date=None,
            date_source="", keys=copies.keys,
            file=facts.file, record=facts.record, offset=facts.offset,
            id=facts.control_number, title=facts.title, line=facts.line, links=copies.links,
            catalogue_pages=cat_pages, host_title=facts.host_title)
        found, missing, mismatches = self._match_pdfs(doc, list(copies.names))
        self._choose_date(doc, found, facts, self.date_order)
        first = next((self._seen[k] for k in doc.keys if k in self._seen), None)
        if first is not None:
            self.duplicates.append({**doc.where(), "links": list(doc.links),
                                    "same_as": self._where(first),
                                    "reason": N_("links the same file as a record already counted")})
            return
        number = self._store.append_text(
            document_json(doc, bool(doc.date and self.period.contains(doc.date))))
        self._keep(number, doc.keys, kind, doc.kazakh, -1 if doc.pages is None else doc.pages,
                   0 if doc.date is None else doc.date.toordinal())
        self.missing_pdfs += missing
        self.page_mismatches += mismatches

    def _add_unmatched(self, copies: LinkedCopies, facts: RecordFacts, kind: str,
                       cat_pages: int | None, cat_source: str) -> None:
        """``add_links``' document of a record when there is no PDF folder to match its
        links in: its JSON written from its fields (no ``Document`` made, but for a
        duplicate), dated by the plan's date order (``_choose_date`` without PDFs)."""
        seen = self._seen
        keys = copies.keys
        if any(k in seen for k in keys):
            doc = Document(
                source="catalogue", kind=kind, language=facts.language, pages=cat_pages,
                pages_source=cat_source if cat_pages is not None else "", date=None,
                date_source="", keys=keys, file=facts.file, record=facts.record,
                offset=facts.offset, id=facts.control_number, title=facts.title,
                line=facts.line, links=copies.links, catalogue_pages=cat_pages,
                host_title=facts.host_title)
            self.duplicates.append({**doc.where(), "links": list(doc.links),
                                    "same_as": self._where(next(seen[k] for k in keys if k in seen)),
                                    "reason": N_("links the same file as a record already counted")})
            return
        date, date_source = _unmatched_date(facts, self.date_order)
        language = facts.language
        try:
            head, tail = _unmatched_parts(facts, copies.links, kind, cat_pages, cat_source, date,
                                          date_source, bool(date and self.period.contains(date)))
            text = with_record(head, facts.record, tail)
        except TypeError:  # a field of another type: the general way
            text = document_json(Document(
                source="catalogue", kind=kind, language=language, pages=cat_pages,
                pages_source=cat_source if cat_pages is not None else "", date=date,
                date_source=date_source, keys=keys, file=facts.file, record=facts.record,
                offset=facts.offset, id=facts.control_number, title=facts.title,
                line=facts.line, links=copies.links, catalogue_pages=cat_pages,
                host_title=facts.host_title), bool(date and self.period.contains(date)))
        self._keep(self._store.append_text(text), keys, kind, language == KAZAKH,
                   -1 if cat_pages is None else cat_pages,
                   0 if date is None else date.toordinal())

    def _keep(self, number: int, keys, kind: str, kazakh: bool, pages: int, date: int) -> None:
        """A catalogue document kept as ``number`` of the store: its link keys seen, its
        figures (pages -1: none; date: the day's ordinal, 0: none)."""
        seen = self._seen
        for k in keys:
            seen[k] = number
        kinds = self._kinds
        if kind not in kinds:
            kinds.append(kind)
        self._kind.append(kinds.index(kind))
        self._kazakh.append(kazakh)
        self._pages.append(pages)
        self._date.append(date)

    def document_form(self) -> DocumentForm | None:
        """What the processes reading the blocks need to write the documents of the linked
        records they settle (``settled_document``); None with a PDF folder (the documents
        are matched with its PDFs here)."""
        if self.pdf_index is not None:
            return None
        return DocumentForm(self.newspapers, self.date_order, self.period)

    def add_settled(self, links: tuple | LinkedCopies | None, facts: RecordFacts) -> None:
        """A record the block path settled, already in ``records_read`` (``add_unlinked``),
        with what ``settled_document`` made of it: ``add_links(..., counted=True)``, the
        document's text written but for its record number when it is a ``SettledDocument``
        (a plain tuple) and no file it links is counted yet (a duplicate, rare, goes the
        general way).

        Measured on the short benchmark file (9,927 linked records, no PDF folder), this
        process (which merges the blocks in order, and reads a share of them) took 5.2
        microseconds a record from the sink's ``add_linked`` on when it wrote the documents
        itself, 1.0 so; the process reading the block takes about as long to write them
        as this one did."""
        if links.__class__ is not tuple or self.pdf_index is not None:
            self.add_links(links or [], facts, counted=True)  # type: ignore[arg-type]
            return
        keys, links_, head, tail, kind, kazakh, pages, date = links  # type: ignore[misc]
        seen = self._seen
        record = facts.record
        # (a record number of another type: fields_json's TypeError; a loop, not any() of a
        # generator: 0.2 microseconds a record less)
        if record.__class__ is int:
            for k in keys:
                if k in seen:
                    break
            else:
                self._keep(self._store.append_bytes(head + b"%d" % record + tail), keys, kind,
                           kazakh, pages, date)
                return
        self.add_links(linked_copies(links_), facts, counted=True)

    def _where(self, number: int) -> dict:
        """Where catalogue document ``number`` is (``Document.where``)."""
        return where_of(self._store.get(number))

    def feed(self, pairs: Iterable) -> "DigitisationTally":
        """Add every (SourceRecord, RecordFacts) pair (or bare RecordFacts) of an iterable."""
        for item in pairs:
            if isinstance(item, RecordFacts):
                self.add(None, item)
            else:
                src, facts = item
                self.add(src, facts)
        return self

    # -- matching ---------------------------------------------------------------------------
    def _match_pdfs(self, doc: Document, names: list[str | None]
                    ) -> tuple[list[PdfInfo], list[dict], list[dict]]:
        """Find the document's PDFs in the index and set its page count from them.

        Returns (readable PDFs found, missing-PDF items, page-mismatch items)."""
        if self.pdf_index is None:
            return [], [], []
        found: list[PdfInfo] = []
        missing: list[dict] = []
        mismatches: list[dict] = []
        for name in names:
            if not name:
                continue
            info = self.pdf_index.get(link_key(name))
            if info is None:
                if is_pdf_name(name):
                    missing.append({**doc.where(), "pdf": name, "link": _link_for(doc, name),
                                    "type": doc.kind})
                continue
            if info not in found:
                found.append(info)
        readable = [i for i in found if i.readable]
        doc.pdfs = tuple(str(i.path) for i in found)
        if readable:
            pdf_pages = sum(i.pages or 0 for i in readable)
            if doc.catalogue_pages is not None and doc.catalogue_pages != pdf_pages:
                mismatches.append({
                    **doc.where(), "pdf": ", ".join(str(i.path) for i in readable),
                    "catalogue_pages": doc.catalogue_pages,
                    "catalogue_pages_source": doc.pages_source, "pdf_pages": pdf_pages,
                    "type": doc.kind})
            doc.pages, doc.pages_source = pdf_pages, PAGES_PDF
        return readable, missing, mismatches

    def _choose_date(self, doc: Document, pdfs: list[PdfInfo], facts: RecordFacts | None,
                     order: tuple[str, ...]) -> None:
        """Set the document's date digitised from the first source in ``order`` that has one."""
        for source in order:
            if source == "pdf" and pdfs:
                dated = sorted((i for i in pdfs if i.created), key=lambda i: i.created.date())
                if dated:
                    first = dated[0]
                    doc.date = _pdf_created_date(first)
                    if first.created_source == CREATED_MTIME:
                        doc.date_source = "pdf (file modified)"
                        doc.notes.append(f"{first.name}: {first.note}")
                    else:
                        doc.date_source = "pdf"
                    return
            elif source == "changed" and facts is not None and facts.date_changed is not None:
                doc.date, doc.date_source = facts.date_changed.date(), "changed"
                return
            elif source == "entered" and facts is not None and facts.date_entered is not None:
                doc.date, doc.date_source = facts.date_entered, "entered"
                return

    def _log_document(self, entry: LogEntry, log: DigitisationLog
                      ) -> tuple[Document, list[dict], list[dict]]:
        """A log row as a document: the row's date (else its PDF's), the PDF's page count
        when the PDF is found (else the row's)."""
        doc = Document(
            source="log", kind=entry.kind, language=entry.language, pages=entry.pages,
            pages_source=PAGES_LOG if entry.pages is not None else "", date=entry.date,
            date_source="log" if entry.date else "",
            keys=(entry.key,) if entry.key else (), file=log.path, title=entry.title or None,
            line=entry.line, links=(entry.file,) if entry.file else (),
            catalogue_pages=entry.pages)
        name = file_name_of(entry.file) if entry.file else None
        found, missing, mismatches = self._match_pdfs(doc, [name])
        if doc.date is None:
            self._choose_date(doc, found, None, ("pdf",))
        return doc, missing, mismatches

    # -- the result -------------------------------------------------------------------------
    def _merged(self) -> tuple[list[Document], list[dict], list[dict], list[dict], list[str]]:
        """The log's documents not in the catalogue: (the log's documents, duplicates,
        missing PDFs, page mismatches, the log's file keys).  Computed afresh on every
        call."""
        docs: list[Document] = []
        duplicates = list(self.duplicates)
        missing, mismatches = list(self.missing_pdfs), list(self.page_mismatches)
        log_keys: dict[str, Document] = {}
        if self.log is None:
            return docs, duplicates, missing, mismatches, []
        for entry in self.log.entries:
            first = None
            if entry.key and entry.key in self._seen:
                first, reason = self._where(self._seen[entry.key]), N_("already in the catalogue (same file name)")
            elif entry.key and entry.key in log_keys:
                first, reason = log_keys[entry.key].where(), N_("the same file is on an earlier line of the log")
            if first is not None:
                duplicates.append({"source": "log", "file": self.log.path, "line": entry.line,
                                   "title": entry.title or None, "links": [entry.file],
                                   "same_as": first, "reason": reason})
                continue
            doc, m1, m2 = self._log_document(entry, self.log)
            missing += m1
            mismatches += m2
            if entry.key:
                log_keys[entry.key] = doc
            docs.append(doc)
        return docs, duplicates, missing, mismatches, list(log_keys)

    def _figures(self, log_docs: list[Document], stored: int | None = None):
        """(number, kind, Kazakh, pages, date, source) of every document: the catalogue's
        (the first ``stored``), then the log's."""
        kinds = self._kinds
        n = len(self._kind) if stored is None else stored
        for i, k, kz, pg, d in zip(range(n), self._kind, self._kazakh, self._pages, self._date):
            yield (i, kinds[k], bool(kz), None if pg < 0 else pg,
                   dt.date.fromordinal(d) if d else None, "catalogue")
        for j, doc in enumerate(log_docs):
            yield n + j, doc.kind, doc.kazakh, doc.pages, doc.date, doc.source

    def _figure_rows(self, stored: int, log_docs: list[Document]):
        """``Documents.figure_rows`` of the first ``stored`` catalogue documents and the
        log's."""
        for _, kind, kazakh, pages, date, _ in self._figures(log_docs, stored):
            yield date, kind, kazakh, pages

    def _targets(self, kind: str, quarters: tuple[int, ...] | None):
        if not quarters:
            return None
        if kind == OTHER:
            return None
        return self.plan.digitisation_target(kind, quarters)

    def table(self, counts: dict[str, TypeCount], quarters: tuple[int, ...] | None
              ) -> tuple[dict, dict]:
        """({type: type_json}, total_json) for the given quarters' targets (None: none).

        The total's ``target_*`` is the plan's stated total row when it has one, else the
        sum of the rows (``target_source`` says which); ``rows_target_*`` is always the
        sum of the rows."""
        kinds = list(DIGITISATION_TYPES) + [k for k in self.plan.digitisation
                                            if k not in DIGITISATION_TYPES]
        if counts.get(OTHER) and counts[OTHER].documents:
            kinds.append(OTHER)
        types = {}
        total = TypeCount()
        rows_sum = [0, 0, 0, 0]
        for kind in kinds:
            c = counts.get(kind) or TypeCount()
            total.merge(c)
            target = self._targets(kind, quarters)
            if target is not None:
                rows_sum = [a + b for a, b in zip(rows_sum, target)]
            names = (OTHER_NAMES if kind == OTHER else DIGITISATION_NAMES.get(kind)
                     or {"kk": kind, "ru": kind, "en": kind})
            types[kind] = type_json(c, target, names)
            types[kind].update(self._year_targets(self.plan.digitisation.get(kind)))
        if quarters:
            rows_target = tuple(rows_sum)
            if self.plan.digitisation_total is not None:
                stated, source = self.plan.digitisation_target("total", quarters), "stated"
            else:
                stated, source = rows_target, "rows"
        else:
            rows_target, stated, source = None, None, None
        tj = type_json(total, stated, TOTAL_NAMES)
        tj["target_source"] = source
        tj.update(_target_dict(rows_target, "rows_target_"))
        if self.plan.digitisation_total is not None:
            tj.update(self._year_targets(self.plan.digitisation_total))
        else:
            tj.update({k: sum(t[k] for t in types.values())
                       for k in (f"year_target_{m}" for m in MEASURES)})
        return types, tj

    @staticmethod
    def _year_targets(row) -> dict:
        """The plan's annual figures as it states them (``year_target_*``; the quarter sums
        where it states none; 0 for a type the plan has no row for).  They may differ from
        the sum of the quarters: ``rabiskit plan check`` points at such rows."""
        return {f"year_target_{m}": (row.year(m) if row is not None else 0) for m in MEASURES}

    def result(self, scan=None, *, problems: Iterable[dict] = (),
               warnings: Iterable[str] = ()) -> dict:
        """The JSON of ``rabiskit digitisation``.  ``scan`` (a rabiskit.facts.scan.Scan)
        adds the export files' problems and warnings; ``problems``/``warnings`` add more."""
        from rabiskit.facts.scan import problem_dict

        p = self.period
        log_docs, duplicates, missing, mismatches, log_keys = self._merged()
        stored = len(self._store)
        counts: dict[str, TypeCount] = defaultdict(TypeCount)
        by_quarter: dict[int, dict[str, TypeCount]] = defaultdict(lambda: defaultdict(TypeCount))
        in_period = outside = 0
        undated = []
        no_pages = []
        for i, kind, kazakh, pages, date, source in self._figures(log_docs):
            if pages is None or date is None:
                if i < stored:
                    d = self._store.get(i)
                    where, links = where_of(d), d["links"]
                else:
                    doc = log_docs[i - stored]
                    where, links = doc.where(), list(doc.links)
                if pages is None:
                    no_pages.append({**where, "type": kind, "links": list(links)})
                if date is None:
                    reason = (N_("the log row has no usable date and its PDF was not found")
                              if source == "log" else
                              N_("no date digitised (dates tried: {items})").format(
                                  items=', '.join(self.date_order)))
                    undated.append({**where, "type": kind, "links": list(links),
                                    "reason": reason})
                    continue
            assert date is not None
            if date.year == p.year:
                by_quarter[quarter_of(date)][kind].add_one(pages, kazakh)
            if p.contains(date):
                in_period += 1
                counts[kind].add_one(pages, kazakh)
            else:
                outside += 1
        quarters = p.quarters if p.aligned else None
        types, total = self.table(counts, quarters)
        quarter_tables = {}
        for q in range(1, 5):
            qt, qtotal = self.table(by_quarter.get(q, {}), (q,))
            quarter_tables[str(q)] = {"types": qt, "total": qtotal}

        linked = set(self._seen) | set(log_keys)
        orphans = []
        pdf_problems: list[dict] = []
        if self.pdf_index is not None:
            pdf_problems = list(self.pdf_index.problems)
            for info in self.pdf_index.pdfs:
                if info.key not in linked:
                    orphans.append(info.as_dict())

        all_problems: list[dict] = []
        all_warnings: list[str] = list(self.warnings)
        if scan is not None:
            all_problems += [problem_dict(x) for x in scan.problems]
            all_warnings += list(scan.warnings)
        all_problems += pdf_problems
        if self.log is not None:
            all_problems += list(self.log.problems)
        all_problems += list(problems)
        all_warnings += list(warnings)
        articles = ("journal_article", "newspaper_article")
        if not self.plan.newspapers and (any(k in articles for k in self._kinds)
                                         or any(d.kind in articles for d in log_docs)):
            all_warnings.append(N_("the plan lists no newspapers ([digitisation] newspapers = "
                                   "[...]): every article is counted as a journal article"))
        if p.year != self.plan.year:
            all_warnings.append(N_("the plan is for {year}, the period is in {year2}: targets are the plan's quarters").format(
                year=self.plan.year, year2=p.year))
        if quarters is None:
            all_warnings.append(N_("the period {label} is not whole quarters: no targets").format(
                label=p.label))

        out = {
            "period": p.as_dict(),
            "types": types,
            "total": total,
            "missing_pdfs": missing,
            "orphan_pdfs": orphans,
            "page_mismatches": mismatches,
            "problems": all_problems,
            "summary": {
                "records_read": self.records_read, "not_bibliographic": self.not_bibliographic,
                "catalogue_documents": stored,
                "log_documents": len(log_docs),
                "in_period": in_period, "outside_period": outside, "undated": len(undated),
                "duplicates": len(duplicates), "deleted_with_links": self.deleted_with_links,
                "no_pages": len(no_pages),
            },
            "quarters": quarter_tables,
            "documents": Documents(self._store, stored,
                                   [d.as_dict() | {"in_period": bool(d.date and p.contains(d.date))}
                                    for d in log_docs],
                                   figures=functools.partial(self._figure_rows, stored, log_docs)),
            "undated": undated,
            "duplicates": duplicates,
            "no_pages": no_pages,
            "pdf_folder": self.pdf_index.summary() if self.pdf_index is not None else None,
            "log": ({"file": self.log.path, "rows": len(self.log.entries),
                     "counted": len(log_docs),
                     "encoding": self.log.encoding} if self.log is not None else None),
            "rules": {"link": f"{self.link_field}${self.link_subfield}",
                      "date_order": list(self.date_order),
                      "newspapers": list(self.plan.newspapers)},
            "warnings": all_warnings,
            "plan": {"year": self.plan.year, "library": self.plan.library,
                     "source": self.plan.source},
        }
        return out


def where_of(d: dict) -> dict:
    """``Document.where`` of a document's JSON."""
    w = {k: d[k] for k in ("source", "file", "record", "offset", "id", "title")}
    if "line" in d:
        w["line"] = d["line"]
    return w


def _link_for(doc: Document, name: str) -> str | None:
    for link in doc.links:
        if file_name_of(link) == name:
            return link
    return None
