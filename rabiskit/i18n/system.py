"""The language of the computer: the user's interface language on Windows, the locale
variables elsewhere (None when it is none of kk, ru, en)."""

from __future__ import annotations

import os
import sys
from typing import Mapping

# Windows primary language identifiers (the low 10 bits of a LANGID)
_WINDOWS_PRIMARY = {0x3F: "kk", 0x19: "ru", 0x09: "en"}


def windows_language() -> str | None:
    """Kazakh, Russian or English Windows: the user's UI language, else the locale."""
    try:
        import ctypes

        langid = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        code = _WINDOWS_PRIMARY.get(langid & 0x3FF)
        if code:
            return code
    except (AttributeError, OSError, ImportError):
        pass
    import locale

    from rabiskit.i18n import normalise

    try:
        name = locale.getlocale()[0]
    except ValueError:
        name = None
    return normalise(name)


def posix_language(environ: Mapping[str, str]) -> str | None:
    """The first of LANGUAGE (a colon list), LC_ALL, LC_MESSAGES, LANG that is set, as gettext
    reads them; None when it names none of kk, ru, en (C, POSIX, de_DE ...)."""
    from rabiskit.i18n import normalise

    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "").strip()
        if not value:
            continue
        if var == "LANGUAGE":
            for part in value.split(":"):
                code = normalise(part)
                if code:
                    return code
            continue
        return normalise(value)
    return None


def system_language(environ: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    if sys.platform == "win32":
        return windows_language() or posix_language(env)
    return posix_language(env)
