"""Level rules: which catalogue level (book, article, local_lore ...) a record counts under.

Every record gets exactly one level key.  The rules are tried in order and the first one
that matches decides; ``classify`` returns the level and the reason (the rule's
description), so every count can be explained.

A ``Rule`` holds a level, a description, an optional MARC flavour ("unimarc" or
"marc21"), a list of conditions that must *all* hold and an optional list of which *at
least one* must hold.  A ``Condition`` tests one of:

* a leader position or range (``leader/06`` is one of ``l``; ``leader/06-07`` equals ``am``),
* a control field position or range (``007/0-1`` equals ``co``, ``008/23`` is ``o`` or ``s``),
* a field's presence or absence (``607`` present, ``856`` absent),
* a subfield's value (``607$a`` contains ``Сәтбаев``, ``900$a`` equals ``Өлкетану``,
  ``215$a`` matches a regular expression, ``135$a/1`` equals ``o``).

Text tests ignore case unless ``case_sensitive`` is set, and ignore the blanks around a
value for ``equals``.  A test on a repeatable field or subfield holds when *any*
occurrence passes it; ``negate`` turns it round ("no 856 at all", "no 607$a contains ...").

The defaults (``DEFAULT_RULES``), in order, with the assumptions behind them:

0. IRBIS-native records (``IRBIS_RULES``): 900 ^T ``l`` (or leader/06 ``l``) with 215
   naming a CD → ``cd``; 900 ^T ``i``/``j`` → ``cd``; 900 ^T ``l`` or leader/06 ``l`` →
   ``ebook``; worksheet 920 ASP or AUNTD → ``article``, NJ or J → ``periodical``, PAZK or
   SPEC → ``book``; other worksheets go on to the rules below;

1. UNIMARC leader/06 ``l`` (electronic resource) and 135$a/1 ``o`` (optical disc) or 215$a
   naming a CD ("CD", "компакт-диск", "опт. диск") → ``cd``;
2. UNIMARC leader/06 ``l`` → ``ebook``;
3. MARC 21 leader/06 ``m`` (computer file) and 007/0-1 ``co`` (optical disc) → ``cd``;
4. MARC 21 leader/06 ``m`` → ``ebook``;
5. leader/06 ``i`` or ``j`` (sound recordings) → ``cd``;
6. leader/07 ``a`` or ``b`` (analytic / component part: an article) → ``article``;
7. leader/07 ``s`` (serial) → ``periodical``;
8. leader/07 ``m``, ``c``, ``d`` or ``i`` (monograph, collection, subunit, integrating) → ``book``;
9. anything else (a leader/07 that is blank or unknown) → ``book``, with the reason saying
   that no rule matched, so such records can be found and looked at.

Before any rule, records that are not bibliographic (leader/06 ``q u v w x y z``: authority,
holdings, classification, community information) get no level at all (``classify``
answers None with the reason); they are counted apart as ``not_bibliographic``.

Local lore has no standard MARC code: RABIS keeps it in a separate database, exported to
its own file, so it is usually told apart with ``--db local_lore FILE`` (the ``db_level``
argument of ``classify``), or with a rule the library adds in its plan file (a 607 place
name, a local 9XX field).  How rules are written in the plan file: see
:mod:`rabiskit.plan.rules_toml`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Sequence

from rabiskit.i18n import N_
from rabiskit.records.record import IRBIS, MARC21, UNIMARC, Record, SourceRecord, not_bibliographic

#: What ``classify`` answers when no rule matches (the defaults end with a catch-all rule,
#: but a plan that replaces the rules may not have one).
FALLBACK_LEVEL = "book"
FALLBACK_REASON = "no rule matched: counted as a book"

TESTS = ("present", "chars", "equals", "contains", "regex")

_Check = Callable[[Record], bool]


def _slice(text: str, start: int | None, end: int | None) -> str | None:
    """Characters start..end (end exclusive) of ``text``; None when the text is too short."""
    if start is None:
        return text
    if len(text) < end:  # type: ignore[operator]
        return None
    return text[start:end]


@dataclass(frozen=True)
class Condition:
    """One test on a record.

    ``kind`` is "leader" (positions of the leader), "field" (a control field's positions,
    or a field's presence) or "subfield" (values of ``tag``$``code``).  ``start``/``end``
    select characters (end exclusive; None: the whole value).  ``test`` is one of
    "present", "chars" (the one selected character is one of ``values[0]``), "equals",
    "contains", "regex" (any of ``values``).  In "chars" a ``#`` stands for a blank, as in
    the MARC manuals.
    """

    kind: str
    test: str
    tag: str = ""
    code: str = ""
    start: int | None = None
    end: int | None = None
    values: tuple[str, ...] = ()
    case_sensitive: bool = False
    negate: bool = False
    _check: _Check = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.kind not in ("leader", "field", "subfield"):
            raise ValueError(N_("unknown condition kind {kind!r}").format(kind=self.kind))
        if self.test not in TESTS:
            raise ValueError(N_("unknown test {test!r}").format(test=self.test))
        if self.test != "present" and not self.values:
            raise ValueError(N_("the test {test!r} needs a value").format(test=self.test))
        if self.test == "chars" and (self.start is None or self.end != self.start + 1):
            raise ValueError("a character-set test needs exactly one position")
        if self.kind == "leader" and self.start is None:
            raise ValueError("a leader condition needs a position")
        object.__setattr__(self, "_check", self._compile())

    # -- compilation: one closure per condition, built once ---------------------------
    def _value_test(self) -> Callable[[str], bool]:
        start, end = self.start, self.end
        if self.test == "present":
            if start is None:
                return lambda v: True
            return lambda v: _slice(v, start, end) is not None
        if self.test == "chars":
            chars = self.values[0].replace("#", " ")
            if not self.case_sensitive:
                chars = chars.lower() + chars.upper()
            pos = start

            def chars_test(v: str) -> bool:
                return len(v) > pos and v[pos] in chars  # type: ignore[operator]
            return chars_test
        if self.test == "regex":
            flags = 0 if self.case_sensitive else re.IGNORECASE
            pattern = re.compile("|".join(f"(?:{p})" for p in self.values), flags)

            def regex_test(v: str) -> bool:
                part = _slice(v, start, end)
                return part is not None and pattern.search(part) is not None
            return regex_test
        if self.case_sensitive:
            wanted = tuple(self.values)
            norm: Callable[[str], str] = str
        else:
            wanted = tuple(x.casefold() for x in self.values)
            norm = str.casefold
        if self.test == "equals":
            wanted_set = frozenset(w.strip() for w in wanted)

            def equals_test(v: str) -> bool:
                part = _slice(v, start, end)
                return part is not None and norm(part).strip() in wanted_set
            return equals_test
        if len(wanted) == 1:  # contains, the common case
            one = wanted[0]

            def contains_one(v: str) -> bool:
                part = _slice(v, start, end)
                return part is not None and one in norm(part)
            return contains_one

        def contains_test(v: str) -> bool:
            part = _slice(v, start, end)
            if part is None:
                return False
            part = norm(part)
            return any(w in part for w in wanted)
        return contains_test

    def _compile(self) -> _Check:
        value_test = self._value_test()
        negate = self.negate
        if self.kind == "leader":
            def leader_check(record: Record) -> bool:
                return value_test(record.leader) is not negate
            return leader_check
        tag = self.tag
        if self.kind == "field":
            def field_check(record: Record) -> bool:
                for f in record.fields:
                    if f.tag == tag and value_test(f.data if f.data is not None else f.text()):
                        return not negate
                return negate
            return field_check
        code = self.code

        def subfield_check(record: Record) -> bool:
            for f in record.fields:
                if f.tag == tag:
                    for c, v in f.subfields:
                        if c == code and value_test(v):
                            return not negate
            return negate
        return subfield_check

    def __call__(self, record: Record) -> bool:
        return self._check(record)

    # the compiled closure does not pickle: worker processes get the fields and compile again
    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_check"}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_check", self._compile())

    def reads(self) -> tuple[str, str | None]:
        """What the condition reads: ("leader", None), (tag, None) for a whole field or
        (tag, code) for one subfield.  A reader that hands a record to the condition needs
        to give it only this (the block reader extracts exactly what the rules read)."""
        if self.kind == "leader":
            return ("leader", None)
        return (self.tag, self.code if self.kind == "subfield" else None)

    def location(self) -> str:
        """Where the condition looks: ``leader/06``, ``008/35-37``, ``607$a``."""
        if self.kind == "leader":
            where = "leader"
        elif self.kind == "field":
            where = self.tag
        else:
            where = f"{self.tag}${self.code}"
        if self.start is not None:
            where += f"/{self.start:02d}" if self.kind == "leader" else f"/{self.start}"
            if self.end is not None and self.end - self.start > 1:
                where += f"-{self.end - 1:02d}" if self.kind == "leader" else f"-{self.end - 1}"
        return where

    def describe(self) -> str:
        """Plain words, e.g. ``leader/06 is one of l`` or ``607$a contains "Сәтбаев"``."""
        where = self.location()
        if self.test == "present":
            return (N_("no {where}") if self.negate else N_("{where} present")).format(where=where)
        shown = " or ".join(f'"{v}"' for v in self.values)
        if self.test == "chars":
            chars = self.values[0]
            verb = "is not one of" if self.negate else "is one of"
            return f"{where} {verb} {', '.join(chars)}" if len(chars) > 1 else \
                f"{where} {'is not' if self.negate else 'is'} {chars}"
        verb = {"equals": "equals", "contains": "contains", "regex": "matches"}[self.test]
        if self.negate:
            verb = {"equals": "does not equal", "contains": "does not contain",
                    "regex": "does not match"}[self.test]
        return f"{where} {verb} {shown}"


@dataclass(frozen=True)
class Rule:
    """A level and the conditions under which a record gets it.

    ``flavour`` (None: any), every condition of ``all_of``, and (when given) at least one
    condition of ``any_of`` must hold.  A rule with no conditions matches every record.
    """

    level: str
    description: str = ""
    flavour: str | None = None
    all_of: tuple[Condition, ...] = ()
    any_of: tuple[Condition, ...] = ()
    _all: tuple[_Check, ...] = field(init=False, repr=False, compare=False, hash=False)
    _any: tuple[_Check, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.flavour not in (None, UNIMARC, MARC21, IRBIS):
            raise ValueError(N_("unknown flavour {flavour!r}").format(flavour=self.flavour))
        object.__setattr__(self, "all_of", tuple(self.all_of))
        object.__setattr__(self, "any_of", tuple(self.any_of))
        object.__setattr__(self, "_all", tuple(c._check for c in self.all_of))
        object.__setattr__(self, "_any", tuple(c._check for c in self.any_of))
        if not self.description:
            object.__setattr__(self, "description", self.explain())

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in ("_all", "_any")}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_all", tuple(c._check for c in self.all_of))
        object.__setattr__(self, "_any", tuple(c._check for c in self.any_of))

    def conditions(self) -> tuple[Condition, ...]:
        return self.all_of + self.any_of

    def tags_read(self) -> frozenset[str]:
        """The fields (tags) the rule's conditions read, the leader apart."""
        return frozenset(c.tag for c in self.conditions() if c.kind != "leader")

    def matches(self, record: Record, flavour: str | None = None) -> bool:
        """Whether the record (of the given flavour) meets every condition of the rule."""
        if self.flavour is not None and flavour != self.flavour:
            return False
        for check in self._all:
            if not check(record):
                return False
        if self._any:
            for check in self._any:
                if check(record):
                    return True
            return False
        return True

    def explain(self) -> str:
        """The conditions in plain words, e.g. ``UNIMARC, leader/06 is l → ebook``."""
        parts: list[str] = []
        if self.flavour:
            parts.append({UNIMARC: "UNIMARC", MARC21: "MARC 21", IRBIS: "IRBIS"}[self.flavour])
        parts.extend(c.describe() for c in self.all_of)
        if self.any_of:
            alternatives = " or ".join(c.describe() for c in self.any_of)
            parts.append(f"({alternatives})" if len(self.any_of) > 1 else alternatives)
        condition = ", ".join(parts) if parts else "any record"
        return f"{condition} → {self.level}"


# -- building blocks for rules written in code -------------------------------------------
def leader(pos: int, chars: str, *, negate: bool = False) -> Condition:
    """leader/``pos`` is one of ``chars``."""
    return Condition("leader", "chars", start=pos, end=pos + 1, values=(chars,),
                     case_sensitive=True, negate=negate)


def control(tag: str, start: int, end: int, *values: str, negate: bool = False) -> Condition:
    """Control field ``tag``, characters start..end (inclusive), equals one of ``values``."""
    return Condition("field", "equals", tag=tag, start=start, end=end + 1, values=values,
                     case_sensitive=True, negate=negate)


def present(tag: str, *, negate: bool = False) -> Condition:
    return Condition("field", "present", tag=tag, negate=negate)


def subfield(tag: str, code: str, test: str, *values: str, position: int | None = None,
             case_sensitive: bool = False, negate: bool = False) -> Condition:
    """``tag``$``code`` (at ``position``, when given) passes ``test`` for one of ``values``."""
    if test == "present":
        values = ()
    start = position
    end = None if position is None else position + 1
    return Condition("subfield", test, tag=tag, code=code, start=start, end=end, values=values,
                     case_sensitive=case_sensitive, negate=negate)


#: 215$a naming a CD: "CD", "CD-ROM", "компакт-диск", "опт. диск", "оптикалық диск" ...
CD_EXTENT = r"(?<![a-z])cd(?![a-z])|компакт[- ]?диск|опт(?:\.|ический|ичес\.|икалық)?\s*диск"

#: IRBIS 900 ^T starting with l: an electronic resource (IRBIS keeps RUSMARC's leader/06
#: record type in 900 ^T); i or j: a sound recording
_IRBIS_ELECTRONIC = (subfield("900", "t", "regex", r"^\s*l"), leader(6, "l"))
_IRBIS_CD = (subfield("215", "a", "regex", CD_EXTENT), subfield("215", "1", "regex", CD_EXTENT))

#: The rules for IRBIS-native records (flavour ``irbis``): electronic resources first (900
#: ^T or leader/06), then the worksheet in 920.  IRBIS's own ISO 2709 writer puts
#: ``nam`` in every leader, so the leader rules alone would call every IRBIS record a book.
IRBIS_RULES: tuple[Rule, ...] = (
    Rule("cd", "IRBIS electronic resource (900 ^T l) on an optical disc (215 names a CD) → cd",
         flavour=IRBIS, all_of=(_IRBIS_ELECTRONIC[0],), any_of=_IRBIS_CD),
    Rule("cd", "IRBIS electronic resource (leader/06 l) on an optical disc (215 names a CD) → cd",
         flavour=IRBIS, all_of=(_IRBIS_ELECTRONIC[1],), any_of=_IRBIS_CD),
    Rule("cd", "IRBIS sound recording (900 ^T i or j) → cd",
         flavour=IRBIS, all_of=(subfield("900", "t", "regex", r"^\s*[ij]"),)),
    Rule("ebook", "IRBIS electronic resource (900 ^T l or leader/06 l) → ebook",
         flavour=IRBIS, any_of=_IRBIS_ELECTRONIC),
    Rule("article", "IRBIS worksheet ASP or AUNTD (analytic record, 920) → article",
         flavour=IRBIS, all_of=(Condition("field", "equals", tag="920", values=("ASP", "AUNTD")),)),
    Rule("periodical", "IRBIS worksheet NJ or J (journal issue, serial; 920) → periodical",
         flavour=IRBIS, all_of=(Condition("field", "equals", tag="920", values=("NJ", "J")),)),
    Rule("book", "IRBIS worksheet PAZK or SPEC (book, volume of a multi-volume work; 920) → book",
         flavour=IRBIS, all_of=(Condition("field", "equals", tag="920", values=("PAZK", "SPEC")),)),
)

DEFAULT_RULES: tuple[Rule, ...] = IRBIS_RULES + (
    Rule("cd", "UNIMARC electronic resource (leader/06 l) on an optical disc "
               "(135$a/1 o, or 215$a names a CD) → cd",
         flavour=UNIMARC, all_of=(leader(6, "l"),),
         any_of=(subfield("135", "a", "equals", "o", position=1),
                 subfield("215", "a", "regex", CD_EXTENT))),
    Rule("ebook", "UNIMARC electronic resource (leader/06 l) → ebook",
         flavour=UNIMARC, all_of=(leader(6, "l"),)),
    Rule("cd", "MARC 21 computer file (leader/06 m) on an optical disc (007/0-1 co) → cd",
         flavour=MARC21, all_of=(leader(6, "m"), control("007", 0, 1, "co"))),
    Rule("ebook", "MARC 21 computer file (leader/06 m) → ebook",
         flavour=MARC21, all_of=(leader(6, "m"),)),
    Rule("cd", "sound recording (leader/06 i or j) → cd", all_of=(leader(6, "ij"),)),
    Rule("article", "analytic / component part (leader/07 a or b) → article",
         all_of=(leader(7, "ab"),)),
    Rule("periodical", "serial (leader/07 s) → periodical", all_of=(leader(7, "s"),)),
    Rule("book", "monograph, collection or integrating resource (leader/07 m, c, d or i) → book",
         all_of=(leader(7, "mcdi"),)),
    Rule("book", "no other rule matched (leader/07 blank or unknown): counted as a book"),
)


def combine_rules(plan_rules: Sequence[Rule] | None, mode: str = "prepend") -> tuple[Rule, ...]:
    """The rules in force: the plan's rules before the defaults ("prepend") or instead of
    them ("replace"); the defaults alone when the plan has none."""
    if plan_rules is None:
        return DEFAULT_RULES
    if mode == "replace":
        return tuple(plan_rules)
    if mode == "prepend":
        return tuple(plan_rules) + DEFAULT_RULES
    raise ValueError(N_("unknown rules mode {mode!r} (expected prepend or replace)").format(
        mode=mode))


def tags_read(rules: Iterable[Rule]) -> frozenset[str]:
    """Every field the rules read (the leader apart)."""
    out: set[str] = set()
    for rule in rules:
        out |= rule.tags_read()
    return frozenset(out)


def classify_record(record: Record, flavour: str, rules: Iterable[Rule]) -> tuple[str, str]:
    """(level, reason) for a bare record of the given flavour: the first matching rule."""
    for rule in rules:
        if rule.matches(record, flavour):
            return rule.level, rule.description
    return FALLBACK_LEVEL, FALLBACK_REASON


def classify(source_record: SourceRecord, rules: Iterable[Rule] = DEFAULT_RULES,
             db_level: str | None = None) -> tuple[str | None, str]:
    """(level key, reason) for a record as read from a file; (None, reason) for a record
    that is not bibliographic (authority, holdings, classification, community information:
    leader/06 q u v w x y z), which belongs to no level whatever the rules or ``--db`` say.

    ``db_level`` is the level the user declared for the record's whole file
    (``--db LEVEL FILE``); it wins over every rule, and the reason says so.
    """
    record = source_record.record
    flavour = source_record.flavour
    why_not = not_bibliographic(record.leader_at(6), flavour)
    if why_not is not None:
        return None, why_not
    if db_level is not None:
        return db_level, f"--db {db_level} {source_record.file}"
    for rule in rules:
        if rule.matches(record, flavour):
            return rule.level, rule.description
    return FALLBACK_LEVEL, FALLBACK_REASON
