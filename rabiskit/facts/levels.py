"""The level rules over a whole block: each rule's conditions on the bytes they declare.

A rule's conditions say what they read (``Condition.reads``: the leader, a field, a
subfield).  For the records of a block still undecided, each condition is decided once per
distinct value of what it reads, by the condition itself (``Condition.__call__`` on a record
holding only that), so a plan's own rules run at the block reader's speed and decide
exactly as the careful path's ``classify`` does: the first rule whose flavour, every
``all_of`` and (when given) one ``any_of`` condition hold gives the level.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from rabiskit.facts.blocks import BlockIndex, sorted_distinct
from rabiskit.facts.columns import Column, RowCache, distinct_rows, field_column
from rabiskit.records import Record
from rabiskit.records.record import MARC21, UNIMARC
from rabiskit.rules.engine import FALLBACK_LEVEL, FALLBACK_REASON, Condition, Rule

_BLANK_LEADER = " " * 24
#: a field or subfield condition reads the whole field: fields up to this many bytes are
#: grouped with numpy, longer or repeated ones one by one
FIELD_WIDTH = 64


def _leader_positions(rules: Sequence[Rule]) -> list[int]:
    """The leader positions the rules' leader conditions read (``Condition`` reads
    ``leader[start:end]``; to the end where ``end`` is not given)."""
    out: set[int] = set()
    for r in rules:
        for c in r.conditions():
            if c.kind == "leader":
                start = c.start or 0
                out.update(range(start, 24 if c.end is None else min(c.end, 24)))
    return sorted(p for p in out if 0 <= p < 24)


def _leader_groups(ix: BlockIndex, recs: np.ndarray, rules: Sequence[Rule]):
    """(group of each record, one leader text per group): records grouped by the leader
    positions the rules read; each group's text is one of its records' leaders (the
    conditions read only those positions, equal within the group)."""
    positions = _leader_positions(rules)
    if not positions:
        return np.zeros(recs.size, dtype=np.int64), [bytes(ix.lead[recs[0], :24]).decode("ascii")]
    width8 = -(-len(positions) // 8) * 8
    packed = np.zeros((recs.size, width8), dtype=np.uint8)
    packed[:, :len(positions)] = ix.lead[recs][:, positions]
    inverse, reps = distinct_rows(packed.view(np.int64))
    texts = [bytes(ix.lead[recs[r], :24]).decode("ascii") for r in reps.tolist()]
    return inverse, texts


#: per condition (or conditions on one tag, with how they combine), its answers for the
#: field bytes met in this process (``field_column``)
_CONDITIONS: dict[object, RowCache] = {}


def _field_conditions(ix: BlockIndex, conds: tuple[Condition, ...], among: np.ndarray,
                      combine=any) -> np.ndarray:
    """Per record (of ``among``): whether any (``combine=any``) or all (``all``) of the
    conditions hold, conditions on one tag: each reads only that tag's fields, so they are
    decided together, on one grouping of the records by those fields' bytes."""
    key: object = conds[0] if len(conds) == 1 else (conds, combine is any)
    cache = _CONDITIONS.get(key)
    if cache is None:
        if len(_CONDITIONS) > 1000:
            _CONDITIONS.clear()
        cache = _CONDITIONS[key] = RowCache()
    col = field_column(ix, among, conds[0].tag, lambda rec: combine(bool(c(rec)) for c in conds),
                       FIELD_WIDTH, cache=cache)
    out = np.zeros(ix.nrec, dtype=bool)
    if col.values:
        truth = np.array(col.values, dtype=bool)
        sel = col.codes >= 0
        out[sel] = truth[col.codes[sel]]
    return out


def _by_tag(conds) -> list[tuple[Condition, ...]]:
    """Field conditions grouped by the tag they read, in the order tags first appear."""
    groups: dict[str, list[Condition]] = {}
    for c in conds:
        groups.setdefault(c.tag, []).append(c)
    return [tuple(g) for g in groups.values()]


def levels(ix: BlockIndex, rules: Sequence[Rule], among: np.ndarray,
           db_level: str | None = None) -> Column:
    """The level (and reason) of the records ``among`` (clean, bibliographic) as
    ``rabiskit.rules.engine.classify`` decides it with ``rules``; values are (level, reason).
    ``db_level`` (``--db LEVEL FILE``) wins over every rule, as there.  Values are (level,
    reason, the rule's position in ``rules``: -1 for the fallback and the --db level).

    The records are grouped by their flavour and the leader positions the rules read: a
    rule's flavour and leader conditions are decided once per group, so a rule of only
    those (most of the defaults) takes a group's open records at once; only the rules with
    field conditions look at records, those of the groups their leader part lets through."""
    codes = np.full(ix.nrec, -1, dtype=np.int64)
    recs = np.flatnonzero(among)
    if not recs.size:
        return Column(codes, [])
    if db_level is not None:
        codes[recs] = 0
        return Column(codes, [(db_level, None, -1)])  # the reason names the file: the caller's
    rules = tuple(rules)
    values: list = []
    index_of: dict = {}

    def code_of(level: str, reason: str, position: int) -> int:
        k = (level, reason, position)
        if k not in index_of:
            index_of[k] = len(values)
            values.append(k)
        return index_of[k]

    lgroup, leaders = _leader_groups(ix, recs, rules)
    # a group: leader group and flavour (UNIMARC family or MARC 21)
    uni = ix.unimarc[recs]
    group_of = lgroup * 2 + uni
    group = np.full(ix.nrec, -1, dtype=np.int64)
    group[recs] = group_of
    present = sorted_distinct(group_of).tolist()
    lg = np.full(ix.nrec, -1, dtype=np.int64)
    lg[recs] = lgroup
    open_groups = set(present)
    touched: set[int] = set()  # groups some of whose records a field rule took
    taken = np.zeros(ix.nrec, dtype=bool)  # records a field rule took (their codes are set)
    group_code = np.full(2 * len(leaders), -1, dtype=np.int64)  # the rule taking the rest
    leader_truth: dict = {}

    def holds(cond: Condition, g: int) -> bool:
        key = (cond, g >> 1)
        if key not in leader_truth:
            leader_truth[key] = bool(cond(Record(leaders[g >> 1], [])))
        return leader_truth[key]

    for position, rule in enumerate(rules):
        if not open_groups:
            break
        if rule.flavour not in (None, UNIMARC, MARC21):
            continue  # IRBIS-native records are the careful reader's
        field_all = [c for c in rule.all_of if c.kind != "leader"]
        field_any = [c for c in rule.any_of if c.kind != "leader"]
        whole: list[int] = []  # groups whose open records the rule takes all
        by_record: list[int] = []  # groups whose open records the field conditions decide
        for g in sorted(open_groups):
            if rule.flavour is not None and (g & 1) != (rule.flavour == UNIMARC):
                continue
            if not all(holds(c, g) for c in rule.all_of if c.kind == "leader"):
                continue
            any_leader = any(holds(c, g) for c in rule.any_of if c.kind == "leader")
            if rule.any_of and not any_leader and not field_any:
                continue
            if not field_all and (not rule.any_of or any_leader):
                whole.append(g)
            else:
                by_record.append(g)
        if by_record:
            member = np.zeros(group_code.size, dtype=bool)
            member[by_record] = True
            cand = np.zeros(ix.nrec, dtype=bool)
            cand[recs] = member[group_of]
            cand &= ~taken
            for same_tag in _by_tag(field_all):
                if not cand.any():
                    break
                cand &= _field_conditions(ix, same_tag, cand, all)
            if rule.any_of and cand.any():
                # groups whose leader satisfies the any part need no field condition
                free = np.zeros(group_code.size, dtype=bool)
                free[[g for g in by_record
                      if any(holds(c, g) for c in rule.any_of if c.kind == "leader")]] = True
                anyhit = cand & (free[np.maximum(group, 0)] & (group >= 0))
                for same_tag in _by_tag(field_any):
                    rest = cand & ~anyhit
                    if not rest.any():
                        break
                    anyhit |= _field_conditions(ix, same_tag, rest, any)
                cand &= anyhit
            if cand.any():
                codes[cand] = code_of(rule.level, rule.description, position)
                taken |= cand
                touched.update(by_record)
        for g in whole:
            if g in touched and not ((group == g) & ~taken).any():
                open_groups.discard(g)  # a field rule took every record of it
                continue
            group_code[g] = code_of(rule.level, rule.description, position)
            open_groups.discard(g)
    if open_groups:
        still_open = [g for g in sorted(open_groups)
                      if g not in touched or ((group == g) & ~taken).any()]
        if still_open:
            group_code[still_open] = code_of(FALLBACK_LEVEL, FALLBACK_REASON, -1)
    left = recs[~taken[recs]]
    codes[left] = group_code[group[left]]
    return Column(codes, values)
