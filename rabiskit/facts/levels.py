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


#: per list of rules (equal rules: one entry) and leader group: its ``_GroupPlan``
_PLANS: dict[tuple[Rule, ...], tuple[list[int], dict]] = {}


class _GroupPlan:
    """What the rules do to the records of one group (flavour and the leader positions the
    rules read): ``steps``, the rules that take those of its records their fields satisfy,
    in order, each as (position, whether its ``any_of`` part must be decided on the fields);
    ``last``, the position of the rule taking all its records still open (-1: none, the
    fallback)."""

    __slots__ = ("steps", "last")

    def __init__(self, rules: Sequence[Rule], leader: str, unimarc: bool) -> None:
        record = Record(leader, [])
        self.steps: list[tuple[int, bool]] = []
        self.last = -1
        for position, rule in enumerate(rules):
            if rule.flavour not in (None, UNIMARC, MARC21):
                continue  # IRBIS-native records are the careful reader's
            if rule.flavour is not None and unimarc != (rule.flavour == UNIMARC):
                continue
            if not all(c(record) for c in rule.all_of if c.kind == "leader"):
                continue
            field_all = any(c.kind != "leader" for c in rule.all_of)
            field_any = any(c.kind != "leader" for c in rule.any_of)
            any_leader = any(c(record) for c in rule.any_of if c.kind == "leader")
            if rule.any_of and not any_leader and not field_any:
                continue
            if not field_all and (not rule.any_of or any_leader):
                self.last = position
                break
            self.steps.append((position, bool(rule.any_of) and not any_leader))


_PLANS_LIMIT = 20_000
#: the rules ``_plans_of`` was last asked about, and its answer (the same rules object
#: block after block in one process: no hashing of the rules)
_LAST: list = [None, None]


def _plans_of(rules: tuple[Rule, ...]) -> tuple[list[int], dict]:
    """The leader positions ``rules`` read and the plans of the groups met so far."""
    if _LAST[0] is rules:
        return _LAST[1]
    known = _PLANS.get(rules)
    if known is None:
        if len(_PLANS) > 16:
            _PLANS.clear()
        known = _PLANS[rules] = (_leader_positions(rules), {})
    _LAST[:] = [rules, known]
    return known


#: leader bytes the rules read are printable ASCII (``_lead_ok``): 95 values each
_PRINTABLE = 95


def _group_keys(ix: BlockIndex, recs: np.ndarray, positions: list[int]) -> np.ndarray | None:
    """Per record of ``recs``: one number for its flavour and the leader bytes at
    ``positions`` (None where they are too many for one number)."""
    if len(positions) > 8:
        return None
    key = ix.unimarc[recs].astype(np.int64)
    scale = 2
    lead = ix.lead
    for p in positions:
        key += (lead[recs, p].astype(np.int64) - 32) * scale
        scale *= _PRINTABLE
    return key


def levels(ix: BlockIndex, rules: Sequence[Rule], among: np.ndarray,
           db_level: str | None = None) -> Column:
    """The level (and reason) of the records ``among`` (clean, bibliographic) as
    ``rabiskit.rules.engine.classify`` decides it with ``rules``; values are (level, reason).
    ``db_level`` (``--db LEVEL FILE``) wins over every rule, as there.  Values are (level,
    reason, the rule's position in ``rules``: -1 for the fallback and the --db level).

    The records are grouped by their flavour and the leader positions the rules read: a
    rule's flavour and leader conditions are decided once per group (and kept from block
    to block: ``_GroupPlan``), so a rule of only those (most of the defaults) takes a
    group's open records at once; only the rules with field conditions look at records,
    those of the groups their leader part lets through."""
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

    def code_of(position: int) -> int:
        if position not in index_of:
            index_of[position] = len(values)
            if position < 0:
                values.append((FALLBACK_LEVEL, FALLBACK_REASON, -1))
            else:
                values.append((rules[position].level, rules[position].description, position))
        return index_of[position]

    positions, plans = _plans_of(rules)
    keys = _group_keys(ix, recs, positions)
    if keys is not None:
        group_of, reps = distinct_rows(keys[:, None])
        group_plans = []
        for r, k in zip(reps.tolist(), keys[reps].tolist()):
            plan = plans.get(k)
            if plan is None:
                if len(plans) > _PLANS_LIMIT:  # (leaders of many kinds: memory stays flat)
                    plans.clear()
                leader = bytes(ix.lead[recs[r], :24]).decode("ascii")
                plan = plans[k] = _GroupPlan(rules, leader, bool(ix.unimarc[recs[r]]))
            group_plans.append(plan)
    else:  # (more leader positions than one number holds: a plan for each group met)
        lgroup, leaders = _leader_groups(ix, recs, rules)
        uni = ix.unimarc[recs]
        group_of, reps = distinct_rows((lgroup * 2 + uni)[:, None])
        group_plans = [_GroupPlan(rules, leaders[int(lgroup[r])], bool(uni[r])) for r in reps.tolist()]
    # the rules with field conditions, in order, and the groups each may take records of
    steps: dict[int, list[tuple[int, bool]]] = {}
    for g, plan in enumerate(group_plans):
        for position, fields_any in plan.steps:
            steps.setdefault(position, []).append((g, fields_any))
    taken = np.zeros(ix.nrec, dtype=bool)  # records a field rule took (their codes are set)
    if steps:
        group = np.full(ix.nrec, -1, dtype=np.int64)
        group[recs] = group_of
    for position in sorted(steps):
        rule = rules[position]
        member = np.zeros(len(group_plans), dtype=bool)
        member[[g for g, _ in steps[position]]] = True
        cand = np.zeros(ix.nrec, dtype=bool)
        cand[recs] = member[group_of]
        cand &= ~taken
        for same_tag in _by_tag([c for c in rule.all_of if c.kind != "leader"]):
            if not cand.any():
                break
            cand &= _field_conditions(ix, same_tag, cand, all)
        need_any = [g for g, fields_any in steps[position] if fields_any]
        if need_any and cand.any():
            # groups whose leader satisfies the any part need no field condition
            free = np.ones(len(group_plans), dtype=bool)
            free[need_any] = False
            anyhit = cand & free[np.maximum(group, 0)]
            for same_tag in _by_tag([c for c in rule.any_of if c.kind != "leader"]):
                rest = cand & ~anyhit
                if not rest.any():
                    break
                anyhit |= _field_conditions(ix, same_tag, rest, any)
            cand &= anyhit
        if cand.any():
            codes[cand] = code_of(position)
            taken |= cand
    left = recs[~taken[recs]] if steps else recs
    if left.size:
        left_groups = group_of[~taken[recs]] if steps else group_of
        last = np.array([plan.last for plan in group_plans], dtype=np.int64)
        used = sorted_distinct(last[left_groups]).tolist()
        code_table = np.full(len(rules) + 1, -1, dtype=np.int64)
        for position in used:
            code_table[position] = code_of(position)  # (-1: the table's last item)
        codes[left] = code_table[last[left_groups]]
    return Column(codes, values)
