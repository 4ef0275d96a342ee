"""Level rules written in the plan file.

The plan file may add rules before the built-in ones, or replace them::

    [rules]
    mode = "prepend"      # "prepend": these rules are tried before the defaults
                          # "replace": only these rules are used

    [[rules.rule]]        # one table per rule, tried in the order written
    level = "local_lore"
    field = "607"
    subfield = "a"
    contains = "Сәтбаев"

    [[rules.rule]]
    level = "cd"
    flavour = "unimarc"               # only UNIMARC / RUSMARC / KAZMARC records
    leader = { "6" = "ij" }           # leader/06 is i or j

A rule has a ``level`` (a built-in level key, or one named under ``[level_names.KEY]``),
an optional ``description`` (shown as the reason a record got its level; one is made up
from the conditions when left out), and conditions that must all hold:

``flavour``
    "unimarc", "marc21" or "irbis" (IRBIS-64 native records, e.g. with ``field = "920",
    equals = "PAZK"``; the built-in IRBIS rules are in rabiskit.rules.engine).
``leader``
    ``{ "POSITION" = "CHARACTERS" }``: for one position ("6" or "06"), the character there
    is one of CHARACTERS (``#`` stands for a blank); for a range ("6-7"), the characters
    there are exactly the text given, or one of a list of texts.
``field`` (with ``subfield``, ``position``, and one of ``equals``, ``contains``, ``regex``, ``one_of``)
    ``field`` alone: the field is present.  With ``subfield``: a subfield tests its value
    (any occurrence will do).  With ``position`` ("1" or "0-1"): only those characters of
    the value (of a control field such as 007 or 008 when there is no ``subfield``).
    ``equals`` (the whole value, blanks around it ignored), ``contains`` (a part of it),
    ``regex`` (a Python regular expression found in it): one text or a list of texts,
    any of which will do.  ``one_of`` = "os": the one character at ``position`` is o or s.
    Case is ignored unless ``case_sensitive = true``.  ``missing = true`` turns the test
    round: the field is absent, or no occurrence passes the test.
``all`` / ``any``
    lists of conditions written as inline tables, e.g.
    ``any = [{ field = "607", subfield = "a", contains = "Сәтбаев" },
    { field = "900", subfield = "a", equals = "Өлкетану" }]``: every condition of ``all``
    and at least one of ``any`` must hold.  Each element holds one condition (a one-
    position ``leader``, or one ``field`` test).

See fixtures/plans/rules-example.toml for a worked example.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from rabiskit.plan.errors import Where
from rabiskit.records.record import FLAVOURS
from rabiskit.rules.engine import Condition, Rule
from rabiskit.rules.levels import BUILTIN_LEVELS

RULE_KEYS = ("level", "description", "flavour", "leader", "field", "subfield", "position",
             "equals", "contains", "regex", "one_of", "case_sensitive", "missing", "all", "any")
CONDITION_KEYS = ("leader", "field", "subfield", "position", "equals", "contains", "regex",
                  "one_of", "case_sensitive", "missing")
FIELD_KEYS = ("field", "subfield", "position", "equals", "contains", "regex", "one_of",
              "case_sensitive", "missing")
TEXT_TESTS = ("equals", "contains", "regex", "one_of")
MODES = ("prepend", "replace")

_TAG = re.compile(r"^[0-9A-Za-z]{3}$")
_POSITION = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})\s*)?$")


def _position(where: Where, path: tuple, value: Any, limit: int | None = None
              ) -> tuple[int, int]:
    """"6" / "06" / 6 -> (6, 7); "0-1" -> (0, 2): start and exclusive end."""
    if isinstance(value, bool):
        raise where.error(path, f"a position is a number like \"6\" or a range like \"0-1\", "
                                f"not {value!r}")
    if isinstance(value, int):
        value = str(value)
    m = _POSITION.match(value) if isinstance(value, str) else None
    if not m:
        raise where.error(path, f"a position is a number like \"6\" or a range like \"0-1\", "
                                f"not {value!r}")
    start = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else start
    if last < start:
        raise where.error(path, f"the range {value!r} ends before it starts")
    if limit is not None and last >= limit:
        raise where.error(path, f"position {last} is past the end (the leader has {limit} "
                                f"positions, 0-{limit - 1})")
    return start, last + 1


def _texts(where: Where, path: tuple, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        values = (value,)
    elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        values = tuple(value)
    else:
        raise where.error(path, "expected a text in quotes, or a list of texts")
    if any(v == "" for v in values):
        raise where.error(path, "an empty text would match everything")
    return values


def _leader_conditions(where: Where, path: tuple, table: Any) -> list[Condition]:
    if not isinstance(table, dict) or not table:
        raise where.error(path, 'write the leader test as { "6" = "l" } (position = characters)')
    out: list[Condition] = []
    for key, value in table.items():
        kpath = path + (key,)
        start, end = _position(where, kpath, key, limit=24)
        texts = _texts(where, kpath, value)
        if end - start == 1:
            chars = "".join(texts)
            if len(texts) > 1 and any(len(t) != 1 for t in texts):
                raise where.error(kpath, "for one position give the characters, e.g. \"ij\"")
            out.append(Condition("leader", "chars", start=start, end=end, values=(chars,),
                                 case_sensitive=True))
        else:
            wrong = [t for t in texts if len(t) != end - start]
            if wrong:
                raise where.error(kpath, f"{wrong[0]!r} has {len(wrong[0])} characters; "
                                         f"positions {key} hold {end - start}")
            out.append(Condition("leader", "equals", start=start, end=end,
                                 values=tuple(t.replace("#", " ") for t in texts),
                                 case_sensitive=True))
    return out


def _field_condition(where: Where, path: tuple, table: dict) -> Condition:
    tag = table["field"]
    if not isinstance(tag, str) or not _TAG.match(tag):
        raise where.error(path + ("field",), f"a field tag has three characters, e.g. \"607\", "
                                             f"not {tag!r}")
    code = table.get("subfield")
    if code is not None and (not isinstance(code, str) or len(code) != 1):
        raise where.error(path + ("subfield",), f"a subfield code is one character, e.g. \"a\", "
                                                f"not {code!r}")
    if code is not None and tag.startswith("00"):
        raise where.error(path + ("subfield",), f"{tag} is a control field: it has no subfields "
                                                f"(use position instead)")
    start = end = None
    if "position" in table:
        start, end = _position(where, path + ("position",), table["position"])
    for flag in ("case_sensitive", "missing"):
        if flag in table and not isinstance(table[flag], bool):
            raise where.error(path + (flag,), f"{flag} is true or false")
    case_sensitive = bool(table.get("case_sensitive", False))
    negate = bool(table.get("missing", False))
    tests = [k for k in table if k in TEXT_TESTS]
    if len(tests) > 1:
        raise where.error(path + (tests[1],), f"one test per condition: {tests[0]} and "
                                              f"{tests[1]} cannot both be given (use all = [...])")
    kind = "subfield" if code is not None else "field"
    if not tests:
        return Condition(kind, "present", tag=tag, code=code or "", start=start, end=end,
                         negate=negate)
    test = tests[0]
    tpath = path + (test,)
    values = _texts(where, tpath, table[test])
    if test == "one_of":
        if start is None or end != start + 1:
            raise where.error(tpath, "one_of needs a single position, e.g. position = \"23\"")
        return Condition(kind, "chars", tag=tag, code=code or "", start=start, end=end,
                         values=("".join(values),), case_sensitive=case_sensitive, negate=negate)
    if test == "regex":
        for v in values:
            try:
                re.compile(v)
            except re.error as e:
                raise where.error(tpath, f"not a valid regular expression {v!r}: {e}") from None
    return Condition(kind, test, tag=tag, code=code or "", start=start, end=end, values=values,
                     case_sensitive=case_sensitive, negate=negate)


def _conditions(where: Where, path: tuple, table: dict) -> list[Condition]:
    """The leader and field conditions written directly in ``table``."""
    out: list[Condition] = []
    if "leader" in table:
        out.extend(_leader_conditions(where, path + ("leader",), table["leader"]))
    if "field" in table:
        out.append(_field_condition(where, path, table))
    else:
        stray = [k for k in FIELD_KEYS if k in table and k != "field"]
        if stray:
            raise where.error(path + (stray[0],), f"{stray[0]} needs a field, e.g. field = \"607\"")
    return out


def _condition_list(where: Where, path: tuple, value: Any) -> list[Condition]:
    if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
        raise where.error(path, 'expected a list of conditions, e.g. [{ field = "607", '
                                'subfield = "a", contains = "Сәтбаев" }]')
    out: list[Condition] = []
    for i, item in enumerate(value):
        ipath = path + (i,)
        where.check_keys(item, CONDITION_KEYS, ipath)
        conds = _conditions(where, ipath, item)
        if len(conds) != 1:
            raise where.error(ipath, "each element holds exactly one condition: a one-position "
                                     "leader test or one field test")
        out.extend(conds)
    return out


def rule_from_table(where: Where, path: tuple, table: Any, known_levels: Iterable[str],
                    number: int) -> Rule:
    """One ``[[rules.rule]]`` table as a Rule (``number`` is its 1-based place)."""
    if not isinstance(table, dict):
        raise where.error(path, "a rule is a table: [[rules.rule]] followed by level = ...")
    where.check_keys(table, RULE_KEYS, path)
    level = table.get("level")
    if level is None:
        raise where.error(path, "the rule has no level (e.g. level = \"local_lore\")")
    known = tuple(known_levels)
    if not isinstance(level, str) or level not in known:
        raise where.error(path + ("level",),
                          f"unknown level {level!r}; known levels: {', '.join(known)} "
                          f"(a new level needs its names under [level_names.{level}])")
    description = table.get("description", "")
    if not isinstance(description, str):
        raise where.error(path + ("description",), "the description is a text in quotes")
    flavour = table.get("flavour")
    if flavour is not None and flavour not in FLAVOURS:
        raise where.error(path + ("flavour",),
                          f"flavour is \"unimarc\", \"marc21\" or \"irbis\", not {flavour!r}")
    all_of = _conditions(where, path, table)
    if "all" in table:
        all_of.extend(_condition_list(where, path + ("all",), table["all"]))
    any_of = _condition_list(where, path + ("any",), table["any"]) if "any" in table else []
    rule = Rule(level, description, flavour=flavour, all_of=tuple(all_of), any_of=tuple(any_of))
    if not description:
        rule = Rule(level, f"plan rule {number}: {rule.explain()}", flavour=flavour,
                    all_of=rule.all_of, any_of=rule.any_of)
    return rule


def rules_from_toml(data: Any, path: str, text: str | Where,
                    known_levels: Iterable[str] = BUILTIN_LEVELS) -> tuple[tuple[Rule, ...], str]:
    """The ``[rules]`` table of a plan file: (rules in order, mode).

    ``data`` is the parsed ``[rules]`` table, ``path`` the file's name (for messages),
    ``text`` the file's text (to find the line of a faulty key).  Raises
    :class:`rabiskit.plan.errors.PlanError` naming the key and line of the first fault.
    """
    where = text if isinstance(text, Where) else Where(path, text)
    root = ("rules",)
    if not isinstance(data, dict):
        raise where.error(root, "write the rules as [rules] and [[rules.rule]] tables")
    where.check_keys(data, ("mode", "rule"), root)
    mode = data.get("mode", "prepend")
    if mode not in MODES:
        raise where.error(root + ("mode",), f"mode is \"prepend\" or \"replace\", not {mode!r}")
    tables = data.get("rule", [])
    if isinstance(tables, dict):
        tables = [tables]
    if not isinstance(tables, list):
        raise where.error(root + ("rule",), "write each rule as a [[rules.rule]] table")
    known = tuple(known_levels)
    rules = tuple(rule_from_table(where, root + ("rule", i), t, known, i + 1)
                  for i, t in enumerate(tables))
    return rules, mode
