"""Duplicate records across all inputs, and 001s repeated within one file.

Memory stays small however many records stream past: per record, one compact reference is
written to a temporary spool (file, number, offset, 001, a short title, level, host ...),
and only fixed-size numbers are kept in memory: the spool offset, and per comparison key a
64-bit hash of the key with the record's number, in flat arrays (about 40 bytes a record).
At the end the arrays are sorted, the keys met more than once found, and only the records
of those keys are read back from the spool.

Two records are duplicates when they share
  * a normalised ISBN (ISBN-10 turned into ISBN-13), or
  * the same normalised title (with part number/name), first author, publication year and
    level (records with neither author nor year are not compared by title: too weak).
Records linked through either key form one group (a group can join ISBN and title
matches).  Deleted records (leader/05 d) are not compared.  One record listing the same
ISBN twice (as ISBN-10 and ISBN-13, say) is not its own duplicate.
"""

from __future__ import annotations

import bisect
import io
import marshal
import os
import tempfile
from array import array
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_text  # type: ignore[attr-defined]
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator

from rabiskit.audit.findings import Finding, _number, languages_text
from rabiskit.audit.store import _LENGTH, read_row
from rabiskit.audit.text import (first_author, host_text, isbn13, normalise_text,
                                 publication_year, title_key_text)
from rabiskit.facts.model import RecordFacts
from rabiskit.records import SourceRecord

if TYPE_CHECKING:
    import numpy as np

TITLE_SHOWN = 80
#: how many other members a duplicate finding names
OTHERS_SHOWN = 10
#: bytes of the reference spool kept in memory before it goes to a temporary file
IN_MEMORY = 4 << 20

_TITLE_REASON = "title, author, year and level"


_MIX1 = 0xBF58476D1CE4E5B9
_MIX2 = 0x94D049BB133111EB
_SEED = 0x9E3779B97F4A7C15
_PADS = [b"\0" * k for k in range(8)]


def _mixed(h):
    """The 64-bit finaliser of splitmix64 on an array of uint64 (a bijection), in place."""
    import numpy as np

    h ^= h >> np.uint64(30)
    h *= np.uint64(_MIX1)
    h ^= h >> np.uint64(27)
    h *= np.uint64(_MIX2)
    h ^= h >> np.uint64(31)
    return h


def text_hashes(texts: list[str]) -> "np.ndarray":
    """A 64-bit hash (int64) of each text, the same in every process and in any company
    (``hash()`` of a string is not: worker processes compute the keys their blocks' records
    give), for many texts at once with numpy.  Each text's UTF-8 bytes, zero-padded to
    8-byte words, are folded into the hash of its length word by word, each step
    ``mix(h ^ word)`` with a bijective mix: texts of as many words that differ in one word
    only never share a hash, others as seldom as 64-bit random numbers (it is no
    cryptographic hash: texts made to collide would be reported as possible duplicates)."""
    import numpy as np

    n = len(texts)
    if not n:
        return np.zeros(0, dtype=np.int64)
    enc = [t.encode("utf-8", "surrogatepass") for t in texts]
    lengths = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    pads = _PADS
    data = np.frombuffer(b"".join([b + pads[-len(b) & 7] for b in enc]) + bytes(8), "<u8")
    words = (lengths + 7) >> 3
    first = np.cumsum(words) - words  # each text's first word in ``data``
    with np.errstate(over="ignore"):
        h = _mixed(lengths.astype(np.uint64) ^ np.uint64(_SEED))
        order = np.argsort(-words, kind="stable")  # the longest first: the active ones lead
        active = np.searchsorted(-words[order], -np.arange(1, int(words.max()) + 1),
                                 side="right")  # how many texts have more than j words
        h = h[order]
        at = first[order]
        for j, m in enumerate(active.tolist()):
            h[:m] = _mixed(h[:m] ^ data[at[:m] + j])
        out = np.empty(n, dtype=np.uint64)
        out[order] = h
    return out.view(np.int64)


def _pair_hashes(texts, others):
    """Hashes (int64) of pairs from their parts' ``text_hashes``: the one mixed with the
    other (a 001 and its file: the same 001 in two files is two keys; a title and its
    author, year and level)."""
    import numpy as np

    with np.errstate(over="ignore"):
        return _mixed(texts.view(np.uint64) ^ others.view(np.uint64)).view(np.int64)


#: records given one by one hashed together
_BATCH = 1024


def stable_hash(*parts: str) -> int:
    """``text_hashes`` of the parts joined by 0x1F, for one text."""
    return int(text_hashes(["\x1f".join(parts)])[0])


@dataclass(frozen=True, slots=True)
class Ref:
    """A compact reference to one record."""

    file: int  # index into DuplicateFinder.files
    record: int
    offset: int
    id: str | None
    title: str | None
    level: str | None
    host: int  # hash of the article's host and issue (0 when none)
    line: int | None
    title_hash: int
    languages: tuple[str, ...]
    flavour: str
    isbns: tuple[str, ...] = ()  # the record's normalised ISBNs (for the reason shown)


def _repeated(hashes: array) -> list[list[int]]:
    """Positions (ascending) of every hash value met more than once, the values in the order
    of their first position."""
    import numpy as np

    if len(hashes) < 2:
        return []
    h = np.frombuffer(hashes, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]
    if not same.any():
        return []
    # starts and ends of the runs of equal values in the sorted order
    edge = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)))
    out = [order[a:b + 1].tolist() for a, b in zip(edge[0::2], edge[1::2])]
    out.sort(key=lambda positions: positions[0])
    return out


def _groups_of(key_hash: array, key_ref: array, reason) -> list[tuple[list[int], list[str]]]:
    """The groups of records that share keys, directly or through others (a key: its hash
    in ``key_hash``, the record in ``key_ref``, see ``_record_of``), each with its records
    (ascending) and the reasons that joined it (``reason(position, record)`` of each key
    met more than once, in the order the keys were first met, each reason once), the
    groups by their first record.  The records' groups are found with numpy: each record
    takes the smallest record number of those it shares a key with, until none changes."""
    import numpy as np

    if len(key_hash) < 2:
        return []
    h = np.frombuffer(key_hash, dtype=np.int64)
    order = np.argsort(h, kind="stable")
    hs = h[order]
    same = hs[1:] == hs[:-1]  # (each position of ``order`` with the one before it)
    del hs
    if not same.any():
        return []
    after = np.concatenate(([False], same))  # the key of the one before
    del same
    taken = after.copy()  # the positions of ``order`` in a key met more than once
    taken[:-1] |= after[1:]
    at = order[taken]  # their positions in ``key_hash``, run by run (a key's positions up)
    starts = ~after[taken]  # where each key's run starts
    del order, after, taken
    run_of = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)  # each run's first, in ``at``
    ref = np.frombuffer(key_ref, dtype=np.int64)[at]
    member = np.where(ref >= 0, ref, -ref - 1)  # (``_record_of``)
    del ref
    seen = np.zeros(int(member.max()) + 1, dtype=bool)  # (np.unique without its sort)
    seen[member] = True
    nodes = np.flatnonzero(seen)
    node = (np.cumsum(seen) - 1)[member]
    del seen
    head = node[first][run_of]  # each position's run's first record
    label = np.arange(nodes.size)
    while True:
        low = np.minimum(label[head], label[node])
        new = label.copy()
        np.minimum.at(new, head, low)
        np.minimum.at(new, node, low)
        new = new[new]
        if (new == label).all():
            break
        label = new
    roots = nodes[label]  # each record's group: its smallest record
    # the reasons, in the order the keys were first met (a run's first position)
    reasons: dict[int, list[str]] = {}
    heads = member[first].tolist()
    head_roots = roots[node[first]].tolist()
    del member, head, run_of
    for k in np.argsort(at[first], kind="stable").tolist():
        why = reason(int(at[first[k]]), heads[k])
        have = reasons.setdefault(head_roots[k], [])
        if why not in have:
            have.append(why)
    by_root = np.argsort(roots, kind="stable")  # (records ascending within a group)
    ordered, grouped = nodes[by_root], roots[by_root]
    cut = [0, *(np.flatnonzero(grouped[1:] != grouped[:-1]) + 1).tolist(), ordered.size]
    members = ordered.tolist()  # (sliced as a list: a numpy array per group is slower)
    return [(members[a:b], reasons.pop(members[a])) for a, b in zip(cut, cut[1:])]


class DuplicateFinder:
    """Feed every record with :meth:`add`; :meth:`findings` gives one finding per member
    of every duplicate group and of every repeated 001."""

    def __init__(self, in_memory: int | None = IN_MEMORY) -> None:
        """``in_memory``: bytes of references kept in memory before they go to a temporary
        file (None: all, as for one block in a worker)."""
        self.files: list[str] = []
        self._file_index: dict[str, int] = {}
        self._spool: IO[bytes] = (io.BytesIO() if in_memory is None
                                  else tempfile.SpooledTemporaryFile(in_memory))
        self._groups: list[tuple[list[int], list[str]]] | None = None  # duplicate_groups
        self._flushed: object = None
        self._at = array("q")  # spool offset of each record's reference
        self._key_hash = array("q")  # comparison keys: hash ...
        self._key_ref = array("q")  # ... and the record it belongs to
        self._id_hash = array("q")  # (file, 001): hash ...
        self._id_ref = array("q")  # ... and record
        # references added by ``merge``: from which one on, their record numbers' shift and
        # their file indices' map ([] while references come from ``add``)
        self._segment_start: list[int] = []
        self._segments: list[tuple[int, list[int]]] = []
        # records given one by one (``add_keys``), not yet added: their keys are hashed
        # together, a batch at a time (at most ``_BATCH``)
        self._pending: list[tuple] = []

    @property
    def records(self) -> int:
        self._flush()
        return len(self._at)

    def _flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self._add(pending)

    def _file(self, name: str) -> int:
        fi = self._file_index.get(name)
        if fi is None:
            fi = self._file_index[name] = len(self.files)
            self.files.append(name)
        return fi

    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        rec, fl = src.record, src.flavour
        deleted = facts.is_deleted
        title_key = title_key_text(rec, fl)
        author = year = ""
        if not deleted and len(title_key) >= 2:
            author, year = first_author(rec, fl), publication_year(rec, fl)
        self.add_keys(facts.file, facts.record, facts.offset, facts.control_number, facts.title,
                      facts.level, host_text(rec, fl) if facts.bibliographic_level in "ab" else "",
                      facts.line, title_key, facts.languages if facts.languages_coded else (),
                      fl, () if deleted else isbn_keys(facts.isbn), author, year, deleted)

    def add_keys(self, file: str, record: int, offset: int, control_number: str | None,
                 title: str | None, level: str | None, host_key: str, line: int | None,
                 title_key: str, languages: tuple[str, ...], flavour: str,
                 isbns: tuple[str, ...], author: str, year: str, deleted: bool) -> None:
        """One record by what :meth:`add` reads of it (the block path gives these from
        the block's columns): its normalised title key (``title_key_text``), first author
        and publication year (compared with the title), the host text of an article
        (``host_text``, "" for none) and its ISBNs (``isbn_keys``)."""
        self._pending.append((file, record, offset, control_number, title, level, host_key,
                              line, title_key, languages, flavour, isbns, author, year,
                              deleted))
        if len(self._pending) >= _BATCH:
            self._flush()

    def add_many(self, records: Iterable[tuple]) -> None:
        """Records one after the other, each as the arguments of :meth:`add_keys`."""
        self._flush()
        self._add(records)

    def _add(self, records: Iterable[tuple]) -> None:
        """``add_many``: the records' keys' texts are hashed together (``text_hashes``), in
        the order they were met: the arrays are those adding them one by one gives.  A
        001's hash is its text's mixed with its file's (``_pair_hashes``), a title's key is its
        title's hash mixed with that of its author, year and level (each of those met once
        hashed once)."""
        id_ref, key_ref = self._id_ref.append, self._key_ref.append
        files = self._file_index
        texts: list[str] = []  # every text to hash, in order
        text = texts.append
        id_at: list[int] = []  # where in ``texts`` each 001's, key's text is
        id_file: list[int] = []  # (and each 001's file)
        key_at: list[int] = []
        key_by: list[int] = []  # per key: -1 (an ISBN), or the author, year and level's
        by: dict[tuple, int] = {}  # number (of a title's key)
        rows: list[tuple] = []  # each record's reference, its host's and title's text's place
        row = rows.append
        segments = self._segments
        i = len(self._at) - 1
        for (file, record, offset, control_number, title, level, host_key, line, title_key,
             languages, flavour, isbns, author, year, deleted) in records:
            fi = files.get(file)
            if fi is None:
                fi = self._file(file)
            i += 1
            if segments and segments[-1][1]:  # after merged references: as added
                self._segment_start.append(i)
                segments.append((0, []))
            th = len(texts)
            text(title_key)
            if control_number:
                id_at.append(len(texts))
                id_file.append(fi)
                text(control_number)
                id_ref(i)
            if not deleted:
                for n in isbns:
                    key_at.append(len(texts))
                    key_by.append(-1)
                    text("isbn\x1f" + n)
                    key_ref(-i - 1)  # (an ISBN's key: its record's number negated)
                if len(title_key) >= 2 and (author or year):
                    key_at.append(th)
                    who = (author, year, level or "")
                    b = by.get(who)
                    if b is None:
                        b = by[who] = len(by)
                    key_by.append(b)
                    key_ref(i)
            host = -1  # -1: no host
            if host_key:
                host = len(texts)
                text(host_key)
            row((fi, record, offset, control_number, title[:TITLE_SHOWN] if title else None,
                 level, host, line, th, languages, flavour, isbns))
        if not rows:
            return
        import numpy as np

        h = text_hashes(texts)
        if id_at:
            self._id_hash.frombytes(_pair_hashes(
                h[np.array(id_at, dtype=np.int64)],
                text_hashes(["001\x1f" + name for name in self.files])[id_file]).tobytes())
        if key_at:
            keys = h[np.array(key_at, dtype=np.int64)]
            whose = np.array(key_by, dtype=np.int64)
            titles = whose >= 0
            if by:
                keys[titles] = _pair_hashes(keys[titles], text_hashes(
                    ["title\x1f" + "\x1f".join(who) for who in by])[whose[titles]])
            self._key_hash.frombytes(keys.tobytes())
        hashes = h.tolist()
        pack, dumps = _LENGTH.pack, marshal.dumps
        out = []
        for (fi, record, offset, control_number, title, level, host, line, th, languages,
             flavour, isbns) in rows:
            data = dumps((fi, record, offset, control_number, title, level,
                          0 if host < 0 else hashes[host], line, hashes[th], languages,
                          flavour, isbns))
            out.append(pack(len(data)) + data)
        sizes = np.fromiter(map(len, out), dtype=np.int64, count=len(out))
        self._at.frombytes((np.cumsum(sizes) - sizes + self._spool.tell()).tobytes())
        self._spool.write(b"".join(out))

    def export(self) -> "FinderPart":
        """What this finder holds, as plain arrays and bytes (a worker process's finder, for
        :meth:`merge` in the parent); the finder takes no more records after this."""
        self._flush()
        self._spool.seek(0)
        part = FinderPart(list(self.files), self._spool.read(), self._at.tobytes(),
                          self._key_hash.tobytes(), self._key_ref.tobytes(),
                          self._id_hash.tobytes(), self._id_ref.tobytes())
        self._spool.close()
        return part

    def merge(self, part: "FinderPart", record_shift: int = 0) -> None:
        """Add the records of another finder (``export``), as if they had been added here
        one by one after those already added, their record numbers ``record_shift`` on."""
        import numpy as np

        self._flush()
        at = np.frombuffer(part.at, dtype=np.int64)
        if not at.size:
            return
        base = len(self._at)
        fmap = [self._file(name) for name in part.files]
        self._segment_start.append(base)
        self._segments.append((record_shift, fmap))
        self._spool.seek(0, 2)
        self._at.frombytes((at + self._spool.tell()).tobytes())
        self._spool.write(part.refs)
        self._key_hash.frombytes(part.key_hash)
        key_ref = np.frombuffer(part.key_ref, dtype=np.int64)
        self._key_ref.frombytes(np.where(key_ref >= 0, key_ref + base, key_ref - base).tobytes())
        self._id_hash.frombytes(part.id_hash)
        self._id_ref.frombytes((np.frombuffer(part.id_ref, dtype=np.int64) + base).tobytes())

    def _ref(self, i: int) -> Ref:
        """The reference of record ``i``, read back from the spool."""
        self._flush()
        if self._groups is not None:  # no more records: read where it lies, in one go
            row = self._read_at(self._at[i])
        else:
            fh = getattr(self._spool, "_file", self._spool)  # (past the spool's wrapper)
            end = fh.tell()
            fh.seek(self._at[i])
            row = read_row(fh)
            fh.seek(end)
        k = bisect.bisect_right(self._segment_start, i) - 1
        if k >= 0 and self._segments[k][1]:
            shift, fmap = self._segments[k]
            row = (fmap[row[0]], row[1] + shift, *row[2:])
        return Ref(*row)

    def _read_at(self, at: int) -> tuple:
        fh: Any = getattr(self._spool, "_file", self._spool)
        if isinstance(fh, io.BytesIO):
            view = fh.getbuffer()
            try:
                (n,) = _LENGTH.unpack_from(view, at)
                return marshal.loads(view[at + 4:at + 4 + n])
            finally:
                del view
        if not hasattr(os, "pread"):  # (Windows)
            fh.seek(at)
            return read_row(fh)
        if self._flushed is not fh:
            fh.flush()
            self._flushed = fh
        data = os.pread(fh.fileno(), 1024, at)
        (n,) = _LENGTH.unpack_from(data)
        if len(data) < 4 + n:
            data = os.pread(fh.fileno(), 4 + n, at)
        return marshal.loads(data[4:4 + n])

    def _name(self, r: Ref) -> str:
        return f"{self.files[r.file]}:{r.record}" + (f"/{r.id}" if r.id else "")

    def _finding(self, kind: str, r: Ref, where: str, evidence: str, conf: float,
                 group: int) -> Finding:
        return Finding(kind=kind, file=self.files[r.file], record=r.record, offset=r.offset,
                       id=r.id, title=r.title, field=where, evidence=evidence,
                       confidence=round(conf, 2), level=r.level, languages=r.languages,
                       line=r.line, group=group)

    @staticmethod
    def _others(names: list[str], me: int, limit: int = OTHERS_SHOWN) -> str:
        """The names of a group but the ``me``-th, the first ``limit`` of them shown."""
        shown = [n for k, n in enumerate(names[:limit + 1]) if k != me][:limit]
        more = len(names) - 1 - limit
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    @staticmethod
    def _all_others(names: list[str], limit: int = OTHERS_SHOWN) -> list[str]:
        """``_others(names, k)`` for every member ``k`` of the group, in order."""
        more = len(names) - 1 - limit
        tail = f" and {more} more" if more > 0 else ""
        first = names[:limit + 1]
        out = [", ".join(first[:k] + first[k + 1:]) + tail for k in range(min(len(first), limit))]
        if len(names) > limit:  # the others shown are the first ``limit``
            out.extend([", ".join(first[:limit]) + tail] * (len(names) - limit))
        return out

    def findings(self) -> list[Finding]:
        """Duplicate findings, then repeated-001 findings, each sorted by group, file and
        record."""
        return [*self.duplicate_findings(), *self.repeated_id_findings()]

    def duplicate_groups(self) -> list[tuple[list[int], list[str]]]:
        """The duplicate groups (their records, ascending; the reasons that joined them),
        by their first record; found once (the index takes no more records after this)."""
        if self._groups is not None:
            return self._groups
        self._flush()
        self._groups = _groups_of(self._key_hash, self._key_ref, self._reason)
        return self._groups

    def duplicate_count(self) -> int:
        """The duplicate findings: one per member of every group."""
        return sum(len(members) for members, _ in self.duplicate_groups())

    def _rows(self) -> "_SpoolRows":
        """A reader of the references' rows (as ``_ref`` gives them, as tuples), for reading
        many of them once no more records come."""
        self._flush()
        return _SpoolRows(self)

    def duplicate_findings(self) -> Iterator[Finding]:
        """One finding per member of every duplicate group, by group, file and record;
        each group's references are read back while its findings are made (each time they
        are listed: they are not kept)."""
        for fields in self._duplicate_fields():
            yield Finding(*fields)

    def duplicate_sizes(self) -> list[int]:
        """The members of each duplicate group, in order (the findings each one makes)."""
        return [len(members) for members, _ in self.duplicate_groups()]

    def duplicate_bytes(self, prefix: str, parts: int | None = None) -> Iterator[bytes]:
        """``duplicate_texts``, ``prefix`` before each, as UTF-8 bytes, made in ``parts``
        side by side (``rabiskit.audit.spread``; default: one per usable core)."""
        from rabiskit.audit.spread import spread_texts

        sizes = self.duplicate_sizes()
        self._flush()
        fh: Any = getattr(self._spool, "_file", self._spool)
        if not isinstance(fh, io.BytesIO) and self._flushed is not fh:
            fh.flush()  # (before a fork: the children read the spool's file, not its buffer)
            self._flushed = fh
        yield from spread_texts(sizes, self.duplicate_texts, prefix, parts=parts)

    def duplicate_texts(self, lo: int = 0, hi: int | None = None) -> Iterator[str]:
        """The JSON text of each of ``duplicate_findings`` (``Finding.json_text``), in order,
        made without the findings: each group's common parts (file, field, the escaped
        names of its members, confidence, group) written once, each member's evidence
        joined from the names already escaped (JSON escapes letter by letter).  ``lo``,
        ``hi``: those of the groups from the ``lo``-th to before the ``hi``-th only (the
        same texts: see ``rabiskit.audit.spread``)."""
        e = _encode_text
        file_texts = [e(name) for name in self.files]
        heads = [f'{{\n      "kind": "duplicate",\n      "file": {t},\n      "record": '
                 for t in file_texts]
        limit = OTHERS_SHOWN
        for n, group_rows, why, note, conf, wheres, names in self._duplicate_groups(lo=lo,
                                                                                   hi=hi):
            first = [e(name)[1:-1] for name in names[:limit + 1]]
            more = len(names) - 1 - limit
            lead = '"' + e(f"same {' and '.join(why)} as ")[1:-1]
            end = e((f" and {more} more" if more > 0 else "") + note)[1:-1] + '"'
            after = (f',\n      "confidence": {_number(conf)}')
            tail = f',\n      "group": {n}\n    }}'
            out = []
            for k, r in enumerate(group_rows):
                shown = first[:k] + first[k + 1:] if k < limit else first[:limit]
                title, line = r[4], r[7]
                text = (f'{heads[r[0]]}{r[1]},\n      "offset": {_number(r[2])}'
                        f',\n      "id": {"null" if r[3] is None else e(r[3])}'
                        f',\n      "title": {"null" if title is None else e(title)}'
                        f',\n      "field": {wheres[r[10]]}'
                        f',\n      "evidence": {lead}{", ".join(shown)}{end}{after}'
                        f',\n      "level": {"null" if r[5] is None else e(r[5])}'
                        f',\n      "languages": {languages_text(r[9])}'
                        + ("" if line is None else ',\n      "line": ' + _number(line))
                        + tail)
                out.append((self.files[r[0]], r[1], text))
            if len(out) > 1:  # (by file and record, as duplicate_findings; stable)
                out.sort(key=_file_record_of_text)
            for t in out:
                yield t[2]

    def _duplicate_fields(self) -> Iterator[tuple]:
        """The fields of each of ``duplicate_findings`` (``Finding``'s, in its order)."""
        files = self.files
        others = self._all_others
        for n, group_rows, why, note, conf, wheres, names in self._duplicate_groups(text=False):
            head = f"same {' and '.join(why)} as "
            out = []
            for r, shown in zip(group_rows, others(names)):
                out.append(("duplicate", files[r[0]], r[1], r[2], r[3], r[4], wheres[r[10]],
                            head + shown + note, conf, r[5], r[9], r[7], n))
            # (by file and record: Finding.sort_key within one group; stable)
            if len(out) > 1:
                out.sort(key=_file_record)
            yield from out

    def _duplicate_groups(self, text: bool = True, lo: int = 0,
                          hi: int | None = None) -> Iterator[tuple]:
        """Per duplicate group (from the ``lo``-th to before the ``hi``-th), in order: (its
        number, its members' reference rows in the order of their records' arrival, the
        reasons that joined it, the note on its evidence, the confidence, the field per
        flavour (as JSON text when ``text``), the members' names); the references are read
        back while each group is made."""
        groups = self.duplicate_groups()[lo:hi]
        if not groups:
            return
        files = self.files
        fields = {fl: dup_field_names(fl) for fl in ("unimarc", "marc21")}
        rows = self._rows()
        try:
            rows_of = rows.rows
            for n, (members, why) in enumerate(groups, start=lo + 1):
                # (file, record, offset, id, title, level, host, line, title hash,
                # languages, flavour, isbns)
                group_rows = rows_of(members)
                same_title = len({r[8] for r in group_rows}) == 1
                hosts = {r[6] for r in group_rows}
                conf = 0.95 if same_title else 0.6
                note = ""
                if not same_title:
                    note = "; the titles differ: volumes of a set, or another edition?"
                elif len(hosts) > 1 and any(hosts):
                    conf = 0.6
                    note = "; in different host issues: a recurring column?"
                by_isbn = any(x.startswith("ISBN") for x in why)
                by_title = any(not x.startswith("ISBN") for x in why)
                names = [f"{files[r[0]]}:{r[1]}/{r[3]}" if r[3] else f"{files[r[0]]}:{r[1]}"
                         for r in group_rows]
                wheres: dict[str, str] = {}
                for fl in {r[10] for r in group_rows}:
                    isbn_f, title_f = fields.get(fl) or dup_field_names(fl)
                    where = ", ".join(
                        f for f, used in ((isbn_f, by_isbn), (title_f, by_title)) if used)
                    wheres[fl] = _encode_text(where) if text else where
                yield n, group_rows, why, note, round(conf, 2), wheres, names
        finally:
            rows.close()

    def _reason(self, position: int, i: int) -> str:
        """Why the key at ``position`` (of record ``i``) joins records: its ISBN, or the
        title, author, year and level."""
        if self._key_ref[position] >= 0:  # a title's key
            return _TITLE_REASON
        h = self._key_hash[position]
        for n in self._ref(i).isbns:
            if text_hashes(["isbn\x1f" + n])[0] == h:
                return f"ISBN {n}"
        return _TITLE_REASON

    def repeated_id_findings(self) -> Iterator[Finding]:
        """One finding per record of every 001 repeated in one file, by file and 001."""
        self._flush()
        ids = _repeated(self._id_hash)
        if not ids:
            return
        groups = []
        for positions in ids:
            members = [self._id_ref[p] for p in positions]
            first = self._ref(members[0])
            groups.append(((first.file, str(first.id)), members))
        del ids
        groups.sort()
        for g, (_key, members) in enumerate(groups, start=1):
            group_refs = [self._ref(m) for m in members]
            names = [f"record {r.record}" for r in group_refs]
            out = [self._finding(
                "repeated_control_number", r, "001",
                f"001 {r.id!r} is also the 001 of {self._others(names, k)} in this file",
                1.0, g) for k, r in enumerate(group_refs)]
            out.sort(key=Finding.sort_key)
            yield from out

    def close(self) -> None:
        self._spool.close()


def _file_record(fields: tuple) -> tuple:
    return fields[1], fields[2]


def _file_record_of_text(item: tuple) -> tuple:
    return item[0], item[1]


class _SpoolRows:
    """The rows of a finder's references read by record index from its spool (in memory,
    or each read from the spool's file where it lies: a mapped file would keep every page
    read, and its neighbours, in the process's memory), moved to their place (``_ref``'s
    record shift and file map); :meth:`close` when done."""

    def __init__(self, finder: DuplicateFinder) -> None:
        fh: Any = getattr(finder._spool, "_file", finder._spool)
        self._finder = finder
        self.data: Any = fh.getvalue() if isinstance(fh, io.BytesIO) else None
        self._at = finder._at
        self._starts = finder._segment_start
        self._segments = finder._segments
        self._plain = not any(fmap for _, fmap in finder._segments)

    def rows(self, members: list[int]) -> list[tuple]:
        """``row`` of each of ``members``: read one after the other without a call each."""
        data = self.data
        at = self._at
        loads, unpack = marshal.loads, _LENGTH.unpack_from
        if data is not None:
            out = []
            for i in members:
                a = at[i]
                (n,) = unpack(data, a)
                out.append(loads(data[a + 4:a + 4 + n]))
        elif not hasattr(os, "pread"):  # (Windows)
            out = [self._finder._read_at(at[i]) for i in members]
        else:
            fh: Any = getattr(self._finder._spool, "_file", self._finder._spool)
            if self._finder._flushed is not fh:
                fh.flush()
                self._finder._flushed = fh
            fd, pread = fh.fileno(), os.pread
            out = []
            for i in members:
                a = at[i]
                got = pread(fd, 512, a)
                (n,) = unpack(got)
                if len(got) < 4 + n:
                    got = pread(fd, 4 + n, a)
                out.append(loads(got[4:4 + n]))
        if self._plain:
            return out
        starts, segments = self._starts, self._segments
        right = bisect.bisect_right
        for j, i in enumerate(members):
            k = right(starts, i) - 1
            if k >= 0 and segments[k][1]:
                shift, fmap = segments[k]
                row = out[j]
                out[j] = (fmap[row[0]], row[1] + shift, *row[2:])
        return out

    def row(self, i: int) -> tuple:
        at = self._at[i]
        data = self.data
        if data is None:
            row = self._finder._read_at(at)
        else:
            (n,) = _LENGTH.unpack_from(data, at)
            row = marshal.loads(data[at + 4:at + 4 + n])
        if self._plain:
            return row
        k = bisect.bisect_right(self._starts, i) - 1
        if k >= 0 and self._segments[k][1]:
            shift, fmap = self._segments[k]
            row = (fmap[row[0]], row[1] + shift, *row[2:])
        return row

    def close(self) -> None:
        self.data = None


@dataclass(frozen=True)
class FinderPart:
    """A finder's records as bytes: file names (the references' file indices), the
    marshalled references and the arrays (int64) of :class:`DuplicateFinder`."""

    files: list[str]
    refs: bytes
    at: bytes
    key_hash: bytes
    key_ref: bytes
    id_hash: bytes
    id_ref: bytes


def _record_of(key_ref: int) -> int:
    """The record a key belongs to (an ISBN's key holds it negated, less one)."""
    return key_ref if key_ref >= 0 else -key_ref - 1


def isbn_keys(isbn: tuple[str, ...]) -> tuple[str, ...]:
    """A record's ISBNs (``RecordFacts.isbn``) as the keys it is compared by: normalised to
    ISBN-13, each once."""
    return tuple(dict.fromkeys(n for n in map(isbn13, isbn) if n))


def dup_field_names(flavour: str) -> tuple[str, str]:
    """(ISBN field, title field) per flavour, for messages."""
    return ("020$a", "245$a") if flavour == "marc21" else ("010$a", "200$a")


__all__ = ["DuplicateFinder", "FinderPart", "Ref", "isbn_keys", "stable_hash", "dup_field_names", "normalise_text"]
