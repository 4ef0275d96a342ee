"""Level rules: every condition kind, the defaults, --db, rules from the plan file."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rabiskit.cli.main import app
from rabiskit.plan.errors import PlanError
from rabiskit.plan.load import default_plan, load_plan, parse_plan
from rabiskit.records.record import MARC21, UNIMARC, Field, Record, SourceRecord
from rabiskit.rules.engine import (DEFAULT_RULES, FALLBACK_LEVEL, FALLBACK_REASON, Condition, Rule,
                                   classify, classify_record, combine_rules, control, leader,
                                   present, subfield)
from rabiskit.plan.rules_toml import rules_from_toml
from rabiskit.rules.levels import BUILTIN_LEVELS, LEVEL_NAMES, level_name

REPO = Path(__file__).resolve().parents[1]
PLANS = REPO / "fixtures" / "plans"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def _leader(type6: str, level7: str) -> str:
    lead = f"00000n{type6}{level7}  2200000   450 "
    assert len(lead) == 24
    return lead


def df(tag: str, *pairs: str, ind1: str = " ", ind2: str = " ") -> Field:
    """A data field from "a", "value", "b", "value" ..."""
    return Field(tag, ind1=ind1, ind2=ind2, subfields=list(zip(pairs[::2], pairs[1::2])))


def rec(type6: str, level7: str, *fields: Field, flavour: str = UNIMARC,
        file: str = "export.iso") -> SourceRecord:
    record = Record(_leader(type6, level7), list(fields))
    return SourceRecord(file=file, number=1, offset=0, length=0, record=record, flavour=flavour,
                        encoding="utf-8")


def level_of(src: SourceRecord, rules=DEFAULT_RULES, db_level=None) -> str:
    return classify(src, rules, db_level)[0]


# -- built-in levels -------------------------------------------------------------------
def test_builtin_levels_and_names():
    assert BUILTIN_LEVELS == ("book", "article", "local_lore", "periodical", "ebook", "cd")
    assert LEVEL_NAMES["local_lore"] == {"kk": "Өлкетану", "ru": "Краеведение", "en": "Local lore"}
    assert level_name("periodical") == "Мерзімді басылым"
    assert level_name("ebook", "ru") == "Э-книга"
    assert level_name("mystery") == "mystery"
    assert level_name("mystery", "kk", {"mystery": {"en": "Mystery"}}) == "Mystery"


# -- the defaults, as the issue states them --------------------------------------------
UNIMARC_CASES = [
    ("a", "m", [], "book"),
    ("a", "c", [], "book"),
    ("a", "i", [], "book"),
    ("a", "a", [df("463", "t", "Ұлытау өңірі", "v", "Б. 3")], "article"),
    ("a", "s", [], "periodical"),
    ("l", "m", [], "ebook"),
    ("l", "m", [df("135", "a", "vo")], "cd"),  # 135$a/1 o: optical disc
    ("l", "m", [df("135", "a", "ou")], "ebook"),  # o at position 0 is not position 1
    ("l", "m", [df("215", "a", "1 электрон. опт. диск (CD-ROM)")], "cd"),
    ("l", "m", [df("215", "a", "1 компакт-диск")], "cd"),
    ("l", "m", [df("215", "a", "1 CD")], "cd"),
    ("l", "m", [df("215", "a", "1 файл (12 Мб)")], "ebook"),
    ("l", "m", [df("215", "e", "1 CD")], "ebook"),  # only 215$a is read
    ("l", "a", [], "ebook"),  # the electronic-resource rules come first
    ("i", "m", [], "cd"),
    ("j", "m", [], "cd"),
    ("a", " ", [], "book"),  # the catch-all
    ("m", "m", [], "book"),  # UNIMARC multimedia is not MARC 21 computer file
]


@pytest.mark.parametrize("type6,level7,fields,expected", UNIMARC_CASES)
def test_defaults_unimarc(type6, level7, fields, expected):
    assert level_of(rec(type6, level7, *fields, flavour=UNIMARC)) == expected


MARC21_CASES = [
    ("a", "m", [], "book"),
    ("a", "d", [], "book"),
    ("a", "a", [df("773", "t", "Nature", "g", "p. 3-4")], "article"),
    ("a", "b", [], "article"),
    ("a", "s", [], "periodical"),
    ("m", "m", [], "ebook"),
    ("m", "m", [Field("007", data="co ugu")], "cd"),
    ("m", "m", [Field("007", data="cr una")], "ebook"),  # online resource, not a disc
    ("m", "m", [Field("007", data="c")], "ebook"),  # too short to say
    ("l", "m", [], "book"),  # leader/06 l is not electronic in MARC 21
    ("j", "m", [], "cd"),
    ("i", "m", [], "cd"),
    ("a", "z", [], "book"),
]


@pytest.mark.parametrize("type6,level7,fields,expected", MARC21_CASES)
def test_defaults_marc21(type6, level7, fields, expected):
    assert level_of(rec(type6, level7, *fields, flavour=MARC21)) == expected


def test_reasons_name_the_rule_and_the_catch_all_says_so():
    level, reason = classify(rec("a", "s"))
    assert level == "periodical" and "leader/07 s" in reason
    level, reason = classify(rec("a", " "))
    assert level == "book" and "no other rule matched" in reason
    assert classify_record(Record(_leader("a", " "), []), UNIMARC, []) == (FALLBACK_LEVEL,
                                                                           FALLBACK_REASON)


def test_short_or_empty_leader_does_not_crash():
    src = SourceRecord("f", 1, 0, 0, Record("", []), UNIMARC, "utf-8")
    assert classify(src) == ("book", DEFAULT_RULES[-1].description)


def test_db_level_wins_over_every_rule():
    src = rec("a", "s", file="olke.iso")
    assert classify(src, DEFAULT_RULES, "local_lore") == ("local_lore", "--db local_lore olke.iso")
    assert classify(src, DEFAULT_RULES, None)[0] == "periodical"


def test_db_declares_the_level_of_a_file(tmp_path, monkeypatch):
    # --db LEVEL FILE (rabiskit.cli.common.make_inputs): the file's records are of LEVEL; a
    # file given both plainly and with --db is read once, with its level, however spelt
    import shutil

    import typer

    from rabiskit.cli.common import make_inputs

    monkeypatch.chdir(tmp_path)
    (tmp_path / "exports").mkdir()
    for name in ("Olke.iso", "Kitap.iso"):
        shutil.copy(REPO / "fixtures" / "unimarc-utf8.iso", tmp_path / "exports" / name)
    olke, kitap = Path("exports/Olke.iso"), Path("exports/Kitap.iso")
    inputs = make_inputs([tmp_path / "exports" / "Olke.iso", kitap],
                         [("local_lore", "./exports/../exports/Olke.iso")], BUILTIN_LEVELS)
    assert [(i.path.name, i.db_level) for i in inputs] == [("Kitap.iso", None),
                                                           ("Olke.iso", "local_lore")]
    assert [(i.path, i.db_level) for i in make_inputs([olke], [], BUILTIN_LEVELS)] == [
        (olke, None)]
    with pytest.raises(typer.Exit):
        make_inputs([], [("lore", str(olke))], BUILTIN_LEVELS)


# -- every condition kind matches and does not match ------------------------------------
SATBAYEV = rec("a", "a", df("607", "a", "Сәтбаев қаласы", "x", "тарихы"),
               df("607", "a", "Жезқазған"), df("900", "a", "  Өлкетану "),
               df("135", "a", "vo"), Field("008", data="260101s2026    kz            000 0 kaz d"))


@pytest.mark.parametrize("condition,expected", [
    (leader(7, "a"), True),
    (leader(7, "ms"), False),
    (leader(7, "a", negate=True), False),
    (Condition("leader", "equals", start=6, end=8, values=("aa",)), True),
    (Condition("leader", "equals", start=6, end=8, values=("am", "as")), False),
    (leader(8, "#"), True),  # '#' is a blank, as in the MARC manuals
    (present("607"), True),
    (present("856"), False),
    (present("856", negate=True), True),
    (present("607", negate=True), False),
    (subfield("607", "a", "contains", "Сәтбаев"), True),
    (subfield("607", "a", "contains", "сӘтбаев"), True),  # case ignored
    (subfield("607", "a", "contains", "сәтбаев", case_sensitive=True), False),
    (subfield("607", "a", "contains", "Сатпаев"), False),
    (subfield("607", "a", "contains", "Сатпаев", "Жезқазған"), True),  # any of a list
    (subfield("607", "x", "contains", "Сәтбаев"), False),  # another subfield
    (subfield("651", "a", "contains", "Сәтбаев"), False),  # another field
    (subfield("607", "a", "equals", "жезқазған"), True),  # the second 607 counts too
    (subfield("607", "a", "equals", "Сәтбаев"), False),  # equals is the whole value
    (subfield("900", "a", "equals", "Өлкетану"), True),  # blanks around ignored
    (subfield("607", "a", "regex", r"^сәтбаев\b"), True),
    (subfield("607", "a", "regex", r"^қаласы"), False),
    (subfield("135", "a", "equals", "o", position=1), True),
    (subfield("135", "a", "equals", "v", position=1), False),
    (subfield("135", "a", "equals", "o", position=5), False),  # beyond the value
    (subfield("607", "a", "present"), True),
    (subfield("607", "b", "present"), False),
    (subfield("607", "a", "contains", "Сәтбаев", negate=True), False),
    (subfield("607", "a", "contains", "Сатпаев", negate=True), True),
    (control("008", 35, 37, "kaz"), True),
    (control("008", 35, 37, "rus"), False),
    (control("007", 0, 1, "co"), False),  # no 007 at all
    (Condition("field", "chars", tag="008", start=6, end=7, values=("sm",)), True),
    (Condition("field", "chars", tag="008", start=6, end=7, values=("e",)), False),
])
def test_condition_kinds(condition: Condition, expected: bool):
    assert condition(SATBAYEV.record) is expected


def test_condition_descriptions_read_plainly():
    assert leader(6, "ij").describe() == "leader/06 is one of i, j"
    assert control("007", 0, 1, "co").describe() == '007/0-1 equals "co"'
    assert subfield("607", "a", "contains", "Сәтбаев").describe() == '607$a contains "Сәтбаев"'
    assert present("856", negate=True).describe() == "no 856"


def test_rule_all_any_and_flavour():
    rule = Rule("local_lore", flavour=UNIMARC, all_of=(leader(7, "a"),),
                any_of=(subfield("607", "a", "contains", "Сатпаев"),
                        subfield("900", "a", "equals", "Өлкетану")))
    assert rule.matches(SATBAYEV.record, UNIMARC)
    assert not rule.matches(SATBAYEV.record, MARC21)  # flavour
    assert not rule.matches(rec("a", "m", df("900", "a", "Өлкетану")).record, UNIMARC)  # all_of
    assert not rule.matches(rec("a", "a", df("900", "a", "Тарих")).record, UNIMARC)  # any_of
    assert "→ local_lore" in rule.description and "UNIMARC" in rule.description
    assert Rule("book").matches(Record("", []), None)  # no conditions: a catch-all


def test_combine_rules_modes():
    mine = (Rule("local_lore", all_of=(present("900"),)),)
    assert combine_rules(None) == DEFAULT_RULES
    assert combine_rules(mine, "prepend") == mine + DEFAULT_RULES
    assert combine_rules(mine, "replace") == mine
    with pytest.raises(ValueError):
        combine_rules(mine, "append")


def test_bad_conditions_are_refused():
    with pytest.raises(ValueError):
        Condition("leader", "equals", values=("a",))  # no position
    with pytest.raises(ValueError):
        Condition("subfield", "contains", tag="607", code="a")  # no value
    with pytest.raises(ValueError):
        Rule("book", flavour="usmarc")


# -- rules from the plan file ----------------------------------------------------------
def _rules(text: str, known=BUILTIN_LEVELS):
    import tomllib

    return rules_from_toml(tomllib.loads(text)["rules"], "p.toml", text, known)


def test_rules_from_toml_every_syntax():
    rules, mode = _rules("""
[rules]
mode = "replace"
[[rules.rule]]
level = "local_lore"
field = "607"
subfield = "a"
contains = "Сәтбаев"
[[rules.rule]]
level = "local_lore"
description = "local field 900"
field = "900"
subfield = "a"
equals = "Өлкетану"
[[rules.rule]]
level = "cd"
flavour = "unimarc"
leader = { "6" = "ij" }
[[rules.rule]]
level = "ebook"
flavour = "marc21"
leader = { "06-07" = ["mm", "ma"] }
all = [{ field = "008", position = "23", one_of = "os" }]
[[rules.rule]]
level = "cd"
field = "007"
position = "0-1"
equals = "co"
[[rules.rule]]
level = "periodical"
field = "856"
missing = true
any = [{ leader = { "7" = "s" } }, { field = "110", subfield = "a", regex = "^c", case_sensitive = true }]
""")
    assert mode == "replace" and len(rules) == 6
    assert rules[0].description.startswith("plan rule 1: ")
    assert rules[1].description == "local field 900"
    assert classify(SATBAYEV, rules) == ("local_lore", rules[0].description)
    assert level_of(rec("a", "m", df("900", "a", "Өлкетану")), rules) == "local_lore"
    assert level_of(rec("i", "m", flavour=UNIMARC), rules) == "cd"
    assert level_of(rec("i", "m", df("856", "u", "x"), flavour=MARC21), rules) == FALLBACK_LEVEL
    online = Field("008", data="260101s2026    xx " + " " * 5 + "o" + " " * 11 + "eng d")
    assert online.data[23] == "o"
    assert level_of(rec("m", "m", online, df("856", "u", "x"), flavour=MARC21), rules) == "ebook"
    assert level_of(rec("m", "s", online, df("856", "u", "x"), flavour=MARC21), rules) == \
        FALLBACK_LEVEL
    assert level_of(rec("a", "m", Field("007", data="co ugu"), flavour=MARC21), rules) == "cd"
    assert level_of(rec("a", "s"), rules) == "periodical"  # no 856, leader/07 s
    assert level_of(rec("a", "m", df("110", "a", "cy")), rules) == "periodical"
    assert level_of(rec("a", "m", df("110", "a", "Cy")), rules) == FALLBACK_LEVEL  # case
    assert level_of(rec("a", "m", df("110", "a", "cy"), df("856", "u", "x")), rules) == \
        FALLBACK_LEVEL  # missing = true


@pytest.mark.parametrize("body,key,words", [
    ('[[rules.rule]]\nlevel = "cd"\nleader = { "24" = "a" }\n', "rules.rule[0].leader.24", "past"),
    ('[[rules.rule]]\nlevel = "cd"\nleader = { "6-7" = "a" }\n', "rules.rule[0].leader.6-7",
     "characters"),
    ('[[rules.rule]]\nlevel = "cd"\nleader = "6=l"\n', "rules.rule[0].leader", "position"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "60"\n', "rules.rule[0].field", "three"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "607"\nsubfield = "ab"\n', "rules.rule[0].subfield",
     "one character"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "007"\nsubfield = "a"\n', "rules.rule[0].subfield",
     "control field"),
    ('[[rules.rule]]\nlevel = "cd"\nsubfield = "a"\ncontains = "x"\n', "rules.rule[0].subfield",
     "needs a field"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "607"\ncontains = "a"\nequals = "b"\n',
     "rules.rule[0].equals", "one test"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "607"\ncontains = ""\n', "rules.rule[0].contains",
     "empty"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "008"\nposition = "a"\nequals = "x"\n',
     "rules.rule[0].position", "range"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "008"\nposition = "2-1"\nequals = "x"\n',
     "rules.rule[0].position", "before"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "008"\nposition = "0-1"\none_of = "ab"\n',
     "rules.rule[0].one_of", "single position"),
    ('[[rules.rule]]\nlevel = "cd"\nfield = "607"\nmissing = "yes"\n', "rules.rule[0].missing",
     "true or false"),
    ('[[rules.rule]]\nlevel = "cd"\nflavour = "usmarc"\n', "rules.rule[0].flavour", "marc21"),
    ('[[rules.rule]]\nfield = "607"\n', "rules.rule[0]", "no level"),
    ('[[rules.rule]]\nlevel = "cd"\nwhen = "x"\n', "rules.rule[0].when", "unknown key"),
    ('[[rules.rule]]\nlevel = "cd"\nany = [{ field = "607", leader = { "6" = "a" } }]\n',
     "rules.rule[0].any[0]", "exactly one"),
    ('[[rules.rule]]\nlevel = "cd"\nall = "607"\n', "rules.rule[0].all", "list"),
    ('[rules]\nsort = "x"\n', "rules.sort", "unknown key"),
])
def test_rule_errors_name_the_key(body, key, words):
    with pytest.raises(PlanError) as info:
        parse_plan("year = 2026\n" + body, "p.toml")
    assert info.value.key == key, str(info.value)
    assert words in str(info.value)
    assert info.value.line is not None


def test_plan_rules_prepend_with_plan_added_level():
    plan = load_plan(PLANS / "rules-example.toml")
    rules = plan.rules_in_force()
    assert rules[-len(DEFAULT_RULES):] == DEFAULT_RULES and len(rules) == 4 + len(DEFAULT_RULES)
    kaleido = rec("a", "m", df("909", "a", "Кітапханалық Калейдоскоп"))
    level, reason = classify(kaleido, rules)
    assert level == "kaleidoscope" and reason.startswith("plan rule 3:")
    assert plan.level_name(level) == "Кітапханалық калейдоскоп"
    assert level_of(rec("a", "a", df("651", "a", "Сатпаев (город)")), rules) == "local_lore"
    assert level_of(rec("a", "m", df("607", "a", "Сатпаев")), rules) == "book"  # not an article
    assert level_of(rec("a", "a"), rules) == "article"  # the defaults still decide the rest
    assert level_of(rec("j", "m", flavour=UNIMARC), rules) == "cd"


def test_replace_mode_without_catch_all_falls_back_to_book():
    plan = parse_plan('year = 2026\n[rules]\nmode = "replace"\n[[rules.rule]]\n'
                      'level = "local_lore"\nfield = "900"\n')
    rules = plan.rules_in_force()
    assert len(rules) == 1
    assert classify(rec("a", "s"), rules) == (FALLBACK_LEVEL, FALLBACK_REASON)
    assert level_of(rec("a", "s", df("900", "a", "x")), rules) == "local_lore"


def test_default_plan_uses_the_default_rules():
    assert default_plan().rules_in_force() == DEFAULT_RULES


def test_rules_command_lists_rules_in_order():
    runner = CliRunner()
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0, result.output
    assert result.stdout.index("135$a/1") < result.stdout.index("leader/07 s")
    result = runner.invoke(app, ["rules", "--plan", str(PLANS / "rules-example.toml"), "-f",
                                 "json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.stdout)
    assert data["mode"] == "prepend"
    assert [r["origin"] for r in data["rules"]][:5] == ["plan"] * 4 + ["built-in"]
    assert data["rules"][2]["level"] == "kaleidoscope"
    assert [r["number"] for r in data["rules"]] == list(range(1, len(data["rules"]) + 1))


# -- real records from the corpus --------------------------------------------------------
def _corpus(name: str) -> Path:
    path = CORPUS / name
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the corpus file {path} is missing (CI=true: corpus tests must run)")
        pytest.skip(f"the MARC corpus is not here ({path}); it lives in ../shared/corpus")
    return path


@pytest.mark.parametrize("name,expected", [
    ("AleksST_marc/sven09.mrc", {"article": 23}),  # RUSMARC article records, cp1251
    ("pkiraly_qa-catalogue/serial.bnr.1993.mrc", {"periodical": 11}),  # UNIMARC serials
    ("indexdata_yaz/marccol5.u8.marc", {"article": 4}),  # MARC 21 leader/07 b
])
def test_defaults_on_real_exports(name, expected):
    from rabiskit.sources.iso2709 import Iso2709Reader

    reader = Iso2709Reader(_corpus(name))
    levels = Counter(classify(src)[0] for src in reader)
    for level, count in expected.items():
        assert levels[level] >= count, levels
    assert set(levels) <= set(BUILTIN_LEVELS)
