"""Messages a person reads, in Kazakh, Russian or English (gettext catalogues).

English is the message id; the translations live in
``rabiskit/locale/{kk,ru,en}/LC_MESSAGES/rabiskit.po`` and their compiled ``.mo`` files,
which are committed and shipped in the package (``tests/test_i18n.py`` checks that every
``.mo`` says what its ``.po`` says, and that no message of the code lacks a kk or ru
translation).

Marking a message
-----------------
::

    from rabiskit.i18n import _, ngettext, N_

    fail(_("{file}: file not found").format(file=path))
    ngettext("{n} record", "{n} records", n).format(n=n)
    HEADING = N_("Kazakh share")   # marked at import time, translated where shown: _(HEADING)

* One literal per message (no concatenation, no f-string inside ``_()``): placeholders are
  named, ``{file}``, ``{n}``, and filled with ``.format()`` after translation, so a
  translation may put them in another order.
* ``_()`` translates when called, into the language chosen for this run (see below); call
  it where the text is shown, not at import time.  ``N_()`` only marks a text for the
  catalogue and returns it unchanged (module constants, tables of texts).
* The ``help=``, ``short_help=``, ``epilog=`` and ``metavar=`` texts of typer options,
  arguments and commands need no marking: the extractor (``rabiskit/i18n/extract.py``)
  collects them, and the command line (``rabiskit/cli/localised.py``) translates them when
  it shows ``--help``.  Metavars are words in capitals (FILE, YEAR, PLAN), translated too.
* The JSON outputs stay English: translate what is printed, never the keys or the
  ``message`` fields of the JSON (a problem's ``message`` is English; its display is
  translated with :func:`translate_text`).

Adding or changing messages
---------------------------
After marking new texts, re-extract and update the catalogues (needs Babel, a test extra)::

    python -m rabiskit.i18n.catalogues update    # extract -> rabiskit/locale/rabiskit.pot,
                                                 # merge into kk/ru/en .po
    # translate the new entries in rabiskit/locale/{kk,ru}/LC_MESSAGES/rabiskit.po
    # (remove '#, fuzzy' once checked)
    python -m rabiskit.i18n.catalogues compile   # .po -> .mo (commit both)
    python -m rabiskit.i18n.catalogues check     # what the tests check

The same with pybabel (``babel.cfg`` at the top of the repository)::

    pybabel extract -F babel.cfg -k N_ -o rabiskit/locale/rabiskit.pot .
    pybabel update -i rabiskit/locale/rabiskit.pot -d rabiskit/locale -D rabiskit
    pybabel compile -d rabiskit/locale -D rabiskit

Which language
--------------
``rabiskit --lang kk|ru|en`` (before or after the command), else the ``RABISKIT_LANG``
environment variable, else the system's language (Windows: the user's interface language;
elsewhere ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), else Kazakh.  Library code
that never calls :func:`set_language` gets the same choice without the option.

Importing this module costs little (``gettext`` and ``os``): a catalogue is read the first
time a message is translated.
"""

from __future__ import annotations

import gettext as _gettext
import os
import re
from pathlib import Path

LANGUAGES = ("kk", "ru", "en")
DEFAULT = "kk"
DOMAIN = "rabiskit"
LOCALEDIR = Path(__file__).resolve().parents[1] / "locale"
ENV = "RABISKIT_LANG"

_current: str | None = None
_explicit: str | None = None
_translations: dict[str, _gettext.NullTranslations] = {}


class LanguageError(ValueError):
    """A language that is not one of kk, ru, en."""


def normalise(lang: str | None) -> str | None:
    """``'ru_RU.UTF-8'`` -> ``'ru'``, ``'Kazakh_Kazakhstan'`` -> ``'kk'``; None when the text
    names none of the three languages."""
    if not lang:
        return None
    t = lang.strip().lower().replace("-", "_")
    for head, code in (("kazakh", "kk"), ("қазақ", "kk"), ("russian", "ru"), ("русск", "ru"),
                       ("english", "en")):
        if t.startswith(head):
            return code
    t = t.split(".")[0].split("@")[0].split("_")[0]
    if t in ("kz", "kaz"):
        return "kk"
    if t in ("rus",):
        return "ru"
    if t in ("eng",):
        return "en"
    return t if t in LANGUAGES else None


def check_language(lang: str, option: str = "--lang") -> str:
    """The language code for an explicit choice (``--lang``, ``RABISKIT_LANG``), or
    :class:`LanguageError` naming ``option``."""
    code = lang.strip().lower() if lang else ""
    if code not in LANGUAGES:
        # said in the language the rest of the choice gives (not gettext(): the language
        # may be what is being chosen)
        if _current is not None:
            fallback = _current
        else:
            env = os.environ.get(ENV, "").strip().lower()
            from rabiskit.i18n.system import system_language

            fallback = env if env in LANGUAGES else (system_language(os.environ) or DEFAULT)
        raise LanguageError(translation(fallback).gettext(
            "{option} {lang}: unknown language; use kk, ru or en").format(option=option,
                                                                          lang=lang))
    return code


def choose_language(explicit: str | None = None, environ=None) -> str:
    """The language of this run: ``explicit`` (``--lang``), else ``RABISKIT_LANG``, else the
    system's language, else Kazakh.  An explicit or RABISKIT_LANG value that is not kk, ru
    or en raises :class:`LanguageError`."""
    env = os.environ if environ is None else environ
    if explicit:
        return check_language(explicit)
    if env.get(ENV, "").strip():
        return check_language(env[ENV], ENV)
    from rabiskit.i18n.system import system_language

    return system_language(env) or DEFAULT


def set_language(lang: str | None) -> str:
    """Use ``lang`` (or, when None, :func:`choose_language`'s choice) for every message from
    now on; returns the language in force.  ``lang`` is what the user asked for explicitly
    (``--lang``): :func:`explicit_language` gives it back."""
    global _current, _explicit
    _current = check_language(lang) if lang else choose_language()
    _explicit = _current if lang else None
    return _current


def explicit_language() -> str | None:
    """The language asked for with ``--lang`` in this run, None when it came from the
    environment or the system (``report`` writes Kazakh then, the state language)."""
    return _explicit


def language() -> str:
    """The language messages are translated into now (chosen on first use)."""
    global _current
    if _current is None:
        try:
            _current = choose_language()
        except LanguageError:
            _current = DEFAULT
    return _current


def translation(lang: str | None = None) -> _gettext.NullTranslations:
    """The gettext catalogue of ``lang`` (default: the current language)."""
    lang = lang or language()
    t = _translations.get(lang)
    if t is None:
        mo = LOCALEDIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with open(mo, "rb") as f:
                t = _gettext.GNUTranslations(f)
        except OSError:
            t = _gettext.NullTranslations()
        _translations[lang] = t
    return t


def gettext(message: str) -> str:
    """``message`` (English, the msgid) in the current language."""
    return translation().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` that goes with the number ``n``."""
    return translation().ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark ``message`` for the catalogue without translating it (translate where shown)."""
    return message


def translate_text(message: str, _depth: int = 0, lang: str | None = None) -> str:
    """An English text as the library wrote it, in the current language: a msgid (a marked
    constant, a help text) is looked up; a text made from a marked template
    (``N_("{file}: not a MARC record").format(file=...)``) is recognised by the template's
    words and rewritten with the translated template, the values kept (they are translated
    too when they are texts of the catalogue); any other text comes back unchanged.
    ``lang`` translates into that language instead of the current one (a report written
    in another language than the screen's).

    So library code keeps English messages (its exceptions, the JSON ``message`` fields)
    and whatever shows them to a person calls this."""
    lang = lang or language()
    if not message or lang == "en":
        return message
    t = translation(lang)
    found = t.gettext(message)
    if found is not message and found != message:
        return found
    if _depth > 5:
        return message
    # the most specific template first; when it leaves English words that another
    # matching template translates (a value the first one could not place), the other wins
    best: tuple[int, str] | None = None
    tried = 0
    for literal, regex, translated, composite in _templates(lang):
        if _depth and literal < _MIN_LITERAL_INSIDE and not composite:
            continue  # too short to trust inside a value
        m = regex.fullmatch(message)
        if not m:
            continue
        values = {k: translate_text(v, _depth + 1, lang) for k, v in m.groupdict().items()}
        try:
            out = translated.format(**values)
        except (KeyError, IndexError, ValueError):
            continue
        english = len(_LATIN_WORD.findall(out))
        if best is None or english < best[0]:
            best = (english, out)
        tried += 1
        if english == 0 or tried >= 3:
            break
    return best[1] if best is not None else message


_LATIN_WORD = re.compile(r"\b[A-Za-z]{3,}\b")


# messages joined from others: each part is translated in turn
COMPOSITE = N_("{first}; {rest}")
# a value: no "; " outside brackets
_VALUE = r"(?:\([^()]*\)|(?!; )[^()])+?"
# placeholders that hold numbers match numbers only ("record {n}" is not "record terminator")
_NUMERIC = frozenset({"n", "number", "line", "offset", "records", "size", "total", "kazakh",
                      "year", "quarter", "g", "length", "rest", "entry", "m", "count",
                      "plan_year", "pages", "pdfs", "stated", "computed"})
_NUMBER = r"[+-]?\d(?:[\d.,]*\d)?"  # (not the comma or full stop after it)
# a {value!r}: a quoted Python string (or a number), never the text after it
_REPR = r"(?:'[^'\\]*'|\"[^\"\\]*\"|[+-]?\d+|None)"

# a value inside a message (a reason in brackets, another program's error text) is
# translated by a template only when the template has this much text of its own: a short
# one ("{a} in {b}", "{a} has {b}") would rewrite English that is not rabiskit's
_MIN_LITERAL_INSIDE = 6

_PLACEHOLDER = None
_template_cache: dict[str, list] = {}


def _templates(lang: str) -> list:
    """``(literal length, regex, translated template, is COMPOSITE)`` for every translated
    msgid with named placeholders, the most specific (most literal text) first."""
    global _PLACEHOLDER
    found = _template_cache.get(lang)
    if found is not None:
        return found
    import re

    if _PLACEHOLDER is None:
        _PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(![rsa])?(:[^{}]*)?\}")
    out = []
    catalog = getattr(translation(lang), "_catalog", {})
    for msgid, msgstr in catalog.items():
        if not isinstance(msgid, str) or "{" not in msgid or not msgstr:
            continue
        parts, seen, pos, literal = [], set(), 0, 0
        for m in _PLACEHOLDER.finditer(msgid):
            text = msgid[pos:m.start()].replace("{{", "{").replace("}}", "}")
            parts.append(re.escape(text))
            literal += len(text)
            group = f"{m.group(1)}__{(m.group(2) or '!_')[1]}"  # one group per conversion
            # a value holds no "; ": a message joined from two is split there instead
            # (COMPOSITE), each part translated in turn
            # (a value in brackets may: "({evidence})")
            any_text = (msgid == COMPOSITE and m.end() == len(msgid)) or (
                msgid[:m.start()].endswith("(") and msgid[m.end():].startswith(")"))
            pattern = (".+" if any_text else _REPR if m.group(2) == "!r" else
                       _NUMBER if m.group(1) in _NUMERIC else _VALUE)
            parts.append(f"(?P={group})" if group in seen else f"(?P<{group}>{pattern})")
            seen.add(group)
            pos = m.end()
        if not seen:
            continue
        tail = msgid[pos:].replace("{{", "{").replace("}}", "}")
        parts.append(re.escape(tail))
        literal += len(tail)
        if literal < 2:
            continue  # "{a}{b}" would match anything
        def group_of(m, seen=seen):
            exact = f"{m.group(1)}__{(m.group(2) or '!_')[1]}"
            if exact in seen:
                return "{" + exact + "}"
            other = next((g for g in sorted(seen) if g.rsplit("__", 1)[0] == m.group(1)), None)
            return "{" + (other or exact) + "}"

        plain = _PLACEHOLDER.sub(group_of, msgstr)
        out.append((literal, re.compile("".join(parts), re.S), plain, msgid == COMPOSITE))
    out.sort(key=lambda x: -x[0])
    found = _template_cache[lang] = out
    return found


_ = gettext

__all__ = ["LANGUAGES", "DEFAULT", "LanguageError", "N_", "_", "check_language",
           "choose_language", "explicit_language", "gettext", "language", "ngettext", "normalise", "set_language",
           "translate_text", "translation"]
