"""Duplicate records across all inputs, and 001s repeated within one file.

Only small per-record values are kept while the records stream past: one compact
reference per record (file index, number, offset, 001, a short title, level, host) and,
per comparison key, the references that share it.  Keys are hashed to 64-bit integers,
so memory grows with the number of records, not with the length of their titles.

Two records are duplicates when they share
  * a normalised ISBN (ISBN-10 turned into ISBN-13), or
  * the same normalised title (with part number/name), first author, publication year and
    level (records with neither author nor year are not compared by title: too weak).
Records linked through either key form one group (a group can join ISBN and title
matches).  Deleted records (leader/05 d) are not compared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rabiskit.audit.findings import Finding
from rabiskit.audit.text import (first_author, host_text, isbn13, normalise_text,
                                 publication_year, title_key_text)
from rabiskit.facts.model import RecordFacts
from rabiskit.records import SourceRecord

TITLE_SHOWN = 80


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


class _UnionFind:
    def __init__(self) -> None:
        self.parent: list[int] = []

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


@dataclass
class DuplicateFinder:
    """Feed every record with :meth:`add`; :meth:`findings` gives one finding per member
    of every duplicate group and of every repeated 001."""

    files: list[str] = field(default_factory=list)
    refs: list[Ref] = field(default_factory=list)
    _file_index: dict[str, int] = field(default_factory=dict)
    _keys: dict[int, int | list[int]] = field(default_factory=dict)
    _key_reason: dict[int, str] = field(default_factory=dict)
    _uf: _UnionFind = field(default_factory=_UnionFind)
    _ids: dict[tuple[int, str], int | list[int]] = field(default_factory=dict)

    def _key(self, key: tuple, reason: str, ref: int) -> None:
        h = hash(key)
        have = self._keys.get(h)
        if have is None:
            self._keys[h] = ref
            return
        if isinstance(have, int):
            self._keys[h] = [have, ref]
            self._key_reason[h] = reason
        else:
            have.append(ref)
        first = have if isinstance(have, int) else have[0]
        self._uf.union(first, ref)

    def add(self, src: SourceRecord, facts: RecordFacts) -> None:
        fi = self._file_index.get(facts.file)
        if fi is None:
            fi = self._file_index[facts.file] = len(self.files)
            self.files.append(facts.file)
        rec, fl = src.record, src.flavour
        title_key = title_key_text(rec, fl)
        title = facts.title
        ref = Ref(fi, facts.record, facts.offset, facts.control_number,
                  title[:TITLE_SHOWN] if title else None, facts.level,
                  hash(host_text(rec, fl)) if facts.bibliographic_level in "ab" else 0,
                  facts.line, hash(title_key), facts.languages if facts.languages_coded else (),
                  fl)
        i = self._uf.add()
        self.refs.append(ref)
        if facts.control_number:
            k = (fi, facts.control_number)
            have = self._ids.get(k)
            if have is None:
                self._ids[k] = i
            elif isinstance(have, int):
                self._ids[k] = [have, i]
            else:
                have.append(i)
        if facts.is_deleted:
            return
        for value in facts.isbn:
            n = isbn13(value)
            if n:
                self._key(("isbn", n), f"ISBN {n}", i)
        author, year = first_author(rec, fl), publication_year(rec, fl)
        if title_key and len(title_key) >= 2 and (author or year):
            self._key(("title", title_key, author, year, facts.level or ""),
                      "title, author, year and level", i)

    def _name(self, r: Ref) -> str:
        return f"{self.files[r.file]}:{r.record}" + (f"/{r.id}" if r.id else "")

    def _finding(self, kind: str, r: Ref, where: str, evidence: str, conf: float,
                 group: int) -> Finding:
        return Finding(kind=kind, file=self.files[r.file], record=r.record, offset=r.offset,
                       id=r.id, title=r.title, field=where, evidence=evidence,
                       confidence=round(conf, 2), level=r.level, languages=r.languages,
                       line=r.line, group=group)

    @staticmethod
    def _others(names: list[str], limit: int = 10) -> str:
        more = f" and {len(names) - limit} more" if len(names) > limit else ""
        return ", ".join(names[:limit]) + more

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        # duplicate groups: connected records, with the reasons that joined them
        groups: dict[int, list[int]] = {}
        reasons: dict[int, list[str]] = {}
        for h, members in self._keys.items():
            if isinstance(members, int):
                continue
            root = self._uf.find(members[0])
            reasons.setdefault(root, [])
            if self._key_reason[h] not in reasons[root]:
                reasons[root].append(self._key_reason[h])
        for i in range(len(self.refs)):
            root = self._uf.find(i)
            if root in reasons:
                groups.setdefault(root, []).append(i)
        for n, (root, members) in enumerate(sorted(groups.items()), start=1):
            refs = [self.refs[m] for m in members]
            same_title = len({r.title_hash for r in refs}) == 1
            hosts = {r.host for r in refs}
            conf = 0.95 if same_title else 0.6
            note = ""
            if not same_title:
                note = "; the titles differ: volumes of a set, or another edition?"
            elif len(hosts) > 1 and any(hosts):
                conf = 0.6
                note = "; in different host issues: a recurring column?"
            by_isbn = any(x.startswith("ISBN") for x in reasons[root])
            by_title = any(not x.startswith("ISBN") for x in reasons[root])
            for m, r in zip(members, refs):
                isbn_f, title_f = dup_field_names(r.flavour)
                where = ", ".join(f for f, used in ((isbn_f, by_isbn), (title_f, by_title)) if used)
                others = [self._name(o) for mm, o in zip(members, refs) if mm != m]
                out.append(self._finding(
                    "duplicate", r, where,
                    f"same {' and '.join(reasons[root])} as {self._others(others)}{note}",
                    conf, n))
        # 001 repeated within one file
        g = 0
        for (fi, ident), members in sorted(self._ids.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
            if isinstance(members, int):
                continue
            g += 1
            refs = [self.refs[m] for m in members]
            for m, r in zip(members, refs):
                others = [f"record {o.record}" for mm, o in zip(members, refs) if mm != m]
                out.append(self._finding(
                    "repeated_control_number", r, "001",
                    f"001 {ident!r} is also the 001 of {self._others(others)} in this file",
                    1.0, g))
        return out


def dup_field_names(flavour: str) -> tuple[str, str]:
    """(ISBN field, title field) per flavour, for messages."""
    return ("020$a", "245$a") if flavour == "marc21" else ("010$a", "200$a")


__all__ = ["DuplicateFinder", "Ref", "dup_field_names", "normalise_text"]
