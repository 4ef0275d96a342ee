"""Keep the catalogues in step with the code (needs Babel: ``pip install babel``).

    python -m rabiskit.i18n.catalogues update    # extract the messages, merge into the .po
    python -m rabiskit.i18n.catalogues compile   # .po -> .mo
    python -m rabiskit.i18n.catalogues check     # untranslated, fuzzy, stale .mo: exit 1

``check`` is what ``tests/test_i18n.py`` asserts.  The extraction is the one ``babel.cfg``
gives ``pybabel extract`` (``rabiskit.i18n.extract``), so both ways agree.
"""

from __future__ import annotations

import gettext
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from rabiskit.i18n import DOMAIN, LANGUAGES, LOCALEDIR
from rabiskit.i18n.extract import messages

PACKAGE = Path(__file__).resolve().parents[1]
TEMPLATE = LOCALEDIR / f"{DOMAIN}.pot"
TRANSLATED = ("kk", "ru")
NAMES = {"kk": "Kazakh", "ru": "Russian", "en": "English"}
HEADER = ("# {language} messages of rabiskit (English is the msgid).\n"
          "# Update with: python -m rabiskit.i18n.catalogues update; then compile.")  # English is the msgid: en.po has empty translations


@dataclass(frozen=True)
class Message:
    id: str | tuple[str, str]
    files: tuple[str, ...]


def code_messages(package: Path = PACKAGE) -> dict[str | tuple[str, str], Message]:
    """Every translatable text of the package's sources, with the files that use it."""
    found: dict[str | tuple[str, str], set[str]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package.parent).as_posix()
        for _line, _func, msg in messages(path.read_text(encoding="utf-8")):
            found.setdefault(msg, set()).add(rel)
    return {k: Message(k, tuple(sorted(v))) for k, v in found.items()}


def po_path(lang: str) -> Path:
    return LOCALEDIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str) -> Path:
    return LOCALEDIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def _template():
    from babel.messages.catalog import Catalog

    cat = Catalog(project="rabiskit", domain=DOMAIN, charset="utf-8", fuzzy=False)
    for msg in code_messages().values():
        flags = ("python-format",) if isinstance(msg.id, tuple) else ()
        cat.add(msg.id, locations=[(f, None) for f in msg.files], flags=flags)
    return cat


def _write_po(cat, path: Path) -> None:
    from babel.messages.pofile import write_po

    from rabiskit.atomic import write_atomic

    buf = io.BytesIO()
    write_po(buf, cat, width=100, sort_output=True, include_lineno=False)
    write_atomic(path, buf.getvalue())


def read_po(lang: str):
    from babel.messages.pofile import read_po as _read

    with open(po_path(lang), "rb") as f:
        return _read(f, locale=lang, domain=DOMAIN)


def update() -> None:
    """Extract into the .pot, then merge it into each language's .po (new ones created)."""
    from babel.messages.catalog import Catalog

    template = _template()
    _write_po(template, TEMPLATE)
    for lang in LANGUAGES:
        if po_path(lang).exists():
            cat = read_po(lang)
        else:
            cat = Catalog(locale=lang, domain=DOMAIN, project="rabiskit", charset="utf-8")
        cat.update(template, update_header_comment=False)
        cat.fuzzy = False
        cat.header_comment = HEADER.format(language=NAMES[lang])
        cat.obsolete.clear()  # a message gone from the code leaves the catalogue
        _write_po(cat, po_path(lang))


def compiled(lang: str) -> bytes:
    """The .mo the .po of ``lang`` compiles to (fuzzy entries left out)."""
    from babel.messages.mofile import write_mo

    buf = io.BytesIO()
    write_mo(buf, read_po(lang), use_fuzzy=False)
    return buf.getvalue()


def compile_all() -> None:
    from rabiskit.atomic import write_atomic

    for lang in LANGUAGES:
        write_atomic(mo_path(lang), compiled(lang))


def _mo_catalog(data: bytes) -> dict:
    return dict(gettext.GNUTranslations(io.BytesIO(data))._catalog)  # type: ignore[attr-defined]


def problems(pending: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with the catalogues, one line each (empty: all is well); messages used
    only in the ``pending`` source files (paths as ``rabiskit/x/y.py``) may be untranslated."""
    out: list[str] = []
    code = {k: m for k, m in code_messages().items() if not set(m.files) <= pending}
    for lang in LANGUAGES:
        if not po_path(lang).exists():
            out.append(f"{po_path(lang)}: missing")
            continue
        cat = read_po(lang)
        for key, msg in code.items():
            entry = cat.get(key[0] if isinstance(key, tuple) else key)
            where = ", ".join(msg.files)
            if entry is None:
                out.append(f"{lang}: not in the catalogue ({where}): {key!r}")
                continue
            if lang not in TRANSLATED:
                continue
            strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            if entry.fuzzy:
                out.append(f"{lang}: fuzzy ({where}): {key!r}")
            elif not all(strings):
                out.append(f"{lang}: untranslated ({where}): {key!r}")
        if not mo_path(lang).exists():
            out.append(f"{mo_path(lang)}: missing; run: python -m rabiskit.i18n.catalogues compile")
        elif _mo_catalog(mo_path(lang).read_bytes()) != _mo_catalog(compiled(lang)):
            out.append(f"{mo_path(lang)}: out of date with its .po; run: "
                       "python -m rabiskit.i18n.catalogues compile")
    return out


def main(argv: list[str]) -> int:
    what = argv[0] if argv else "check"
    if what == "update":
        update()
    elif what == "compile":
        compile_all()
    elif what != "check":
        print("use: python -m rabiskit.i18n.catalogues update|compile|check", file=sys.stderr)
        return 2
    found = problems()
    for line in found:
        print(line)
    return 1 if found and what == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
