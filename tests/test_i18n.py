"""The message catalogues: the language choice, the extractor, and catalogues that are
complete (every message of the code translated into kk and ru) and compiled (.mo = .po)."""

from __future__ import annotations

import gettext
import io

import pytest

from rabiskit import i18n
from rabiskit.i18n import catalogues
from rabiskit.i18n.extract import messages
from rabiskit.i18n.system import posix_language

KAZAKH_ONLY = set("әғқңөұүһіӘҒҚҢӨҰҮҺІ")


@pytest.mark.parametrize("environ, expected", [
    ({"LANG": "ru_RU.UTF-8"}, "ru"),
    ({"LANG": "kk_KZ.UTF-8"}, "kk"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "ru_RU.UTF-8"}, "en"),
    ({"LC_MESSAGES": "ru_KZ", "LANG": "kk_KZ"}, "ru"),
    ({"LANGUAGE": "de:ru", "LANG": "kk_KZ"}, "ru"),
    ({"LANG": "C.UTF-8"}, None),
    ({"LANG": "de_DE.UTF-8"}, None),
    ({}, None),
])
def test_the_system_language_from_the_locale_variables(environ, expected):
    assert posix_language(environ) == expected


@pytest.mark.parametrize("name, expected", [
    ("Kazakh_Kazakhstan", "kk"), ("Russian_Russia", "ru"), ("kk-KZ", "kk"),
    ("ru_RU.cp1251", "ru"), ("English_United States", "en"), ("uk_UA", None), (None, None),
])
def test_windows_locale_names(name, expected):
    assert i18n.normalise(name) == expected


def test_the_choice_explicit_then_environment_then_system_then_kazakh():
    assert i18n.choose_language("ru", {"RABISKIT_LANG": "en", "LANG": "kk_KZ"}) == "ru"
    assert i18n.choose_language(None, {"RABISKIT_LANG": "en", "LANG": "kk_KZ"}) == "en"
    assert i18n.choose_language(None, {"LANG": "ru_RU.UTF-8"}) == "ru"
    assert i18n.choose_language(None, {"LANG": "C"}) == "kk"
    assert i18n.choose_language(None, {}) == "kk"
    with pytest.raises(i18n.LanguageError):
        i18n.choose_language("de", {})
    with pytest.raises(i18n.LanguageError):
        i18n.choose_language(None, {"RABISKIT_LANG": "fr"})


def test_messages_follow_the_language():
    i18n.set_language("ru")
    assert i18n._("Options") == "Параметры"
    i18n.set_language("kk")
    assert i18n._("Options") == "Параметрлер"
    i18n.set_language("en")
    assert i18n._("Options") == "Options"
    assert i18n._("a text no catalogue has") == "a text no catalogue has"


def test_russian_plural_forms_come_from_the_catalogue_header():
    t = i18n.translation("ru")
    # Russian: one, few, many
    assert t.plural(1) == 0 and t.plural(3) == 1 and t.plural(5) == 2 and t.plural(21) == 0


def test_the_extractor_finds_marked_texts_help_metavars_and_command_docstrings():
    source = '''
import typer
from rabiskit.i18n import _, N_, ngettext
X = N_("A constant")
def f(n):
    print(_("{n} things").format(n=n), ngettext("{n} record", "{n} records", n))
    print(_(some_variable))
@app.command("x")
def cmd(path = typer.Option(None, "--path", metavar="FILE",
                             help="""The file
                                  to read.""")):
    """What x does."""
'''
    found = {m for _line, _f, m in messages(source)}
    assert found == {"A constant", "{n} things", ("{n} record", "{n} records"), "FILE",
                     "The file\nto read.", "What x does."}


# Source files whose messages are still being translated (this list only shrinks).
PENDING: frozenset[str] = frozenset()


def test_every_message_of_the_code_is_translated_and_compiled():
    assert catalogues.problems(PENDING) == []


def test_the_compiled_catalogues_are_the_po_files():
    for lang in i18n.LANGUAGES:
        committed = gettext.GNUTranslations(io.BytesIO(catalogues.mo_path(lang).read_bytes()))
        fresh = gettext.GNUTranslations(io.BytesIO(catalogues.compiled(lang)))
        assert committed._catalog == fresh._catalog, lang


def test_russian_translations_have_no_kazakh_only_letters():
    cat = catalogues.read_po("ru")
    bad = []
    for m in cat:
        if not m.id:
            continue
        for s in (m.string if isinstance(m.string, tuple) else (m.string,)):
            if KAZAKH_ONLY & set(s):
                bad.append((m.id, s))
    assert bad == []


def test_placeholders_survive_translation():
    import string

    def fields(s):
        return sorted(f for _t, f, _s, _c in string.Formatter().parse(s) if f is not None)

    bad = []
    for lang in ("kk", "ru"):
        for m in catalogues.read_po(lang):
            if not m.id or not m.string:
                continue
            ids = m.id if isinstance(m.id, tuple) else (m.id,)
            strings = m.string if isinstance(m.string, tuple) else (m.string,)
            want = fields(ids[-1])
            for s in strings:
                if s and set(fields(s)) != set(want):
                    bad.append((lang, m.id, s))
    assert bad == []


def test_library_texts_are_translated_by_their_templates():
    i18n.set_language("ru")
    # one template, the value kept
    assert i18n.translate_text("x.iso: file not found") == "x.iso: файл не найден"
    # two templates joined with "; ", values inside brackets kept whole
    assert i18n.translate_text(
        "title has ғ, ң (Kazakh words абай; Kazakh word forms x); coded rus") == (
        "в поле «заглавие» есть ғ, ң (казахские слова абай; казахские словоформы x); код rus")
    # a text the catalogue does not know comes back as it was
    assert i18n.translate_text("Балдырған; Абай") == "Балдырған; Абай"
    i18n.set_language("en")
    assert i18n.translate_text("x.iso: file not found") == "x.iso: file not found"


def test_a_number_before_a_comma_leaves_the_comma_to_the_next_part():
    """("record {number}{where}": the number took the comma of ", starting at line 55," and
    the fragment was shown in English on a Russian screen)"""
    text = ("record 2, starting at line 55, is malformed XML (invalid character in attribute "
            "value); it was skipped")
    assert i18n.translate_text(text, lang="ru") == (
        "запись 2, начиная со строки 55, — ошибка в XML (invalid character in attribute "
        "value); пропущена")
    assert i18n.translate_text(text, lang="kk") == (
        "2-жазба (55-жолдан басталатын) қате XML (invalid character in attribute value); "
        "өткізіліп жіберілді")


def test_audit_json_keeps_english_evidence_whatever_the_language():
    import json
    import os
    import subprocess
    import sys

    from conftest import FIXTURES, REPO

    out = {}
    for lang in ("en", "kk"):
        r = subprocess.run([sys.executable, "-m", "rabiskit", "audit", "--format", "json",
                            str(FIXTURES / "audit" / "seeded.iso"), "--lang", lang], cwd=REPO,
                           capture_output=True, text=True, encoding="utf-8", env=os.environ)
        out[lang] = json.loads(r.stdout)
    assert out["en"] == out["kk"]
    assert any(f["evidence"].startswith("no language of the text coded in")
               for f in out["kk"]["findings"])
