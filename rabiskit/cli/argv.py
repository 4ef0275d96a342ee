"""The command line read before anything else is imported (typer, the commands): which
command it runs and its ``--lang``.  No import beyond the standard library and the message
catalogue, so that ``rabiskit.cli.start`` can read it first (``rabiskit.cli.headstart``)."""

from __future__ import annotations

from typing import Sequence

from rabiskit.i18n import _

NO_COMMAND = ""  # make_app(NO_COMMAND): the top-level options alone (--version)

LANG_OPTION = "--lang"


class LangError(Exception):
    """``--lang`` without a value, or with one that is not kk, ru or en."""


def take_lang(args: Sequence[str], keeps_lang=lambda command: False
              ) -> tuple[str | None, list[str]]:
    """``(language, the other arguments)``: the value of the last ``--lang X`` or
    ``--lang=X`` anywhere before ``--``; each is removed unless it comes after a command for
    which ``keeps_lang(command)`` is true (a command with a ``--lang`` of its own)."""
    out: list[str] = []
    lang: str | None = None
    command: str | None = None
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        value = None
        if a == LANG_OPTION:
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                raise LangError(_("--lang needs a value: kk, ru or en"))
            value, width = args[i + 1], 2
        elif a.startswith(LANG_OPTION + "="):
            value, width = a.partition("=")[2], 1
        if value is not None:
            lang = value
            if command is not None and keeps_lang(command):
                out.extend(args[i:i + width])
            i += width
            continue
        if command is None and not a.startswith("-"):
            command = a
        out.append(a)
        i += 1
    return lang, out


def command_of(argv: list[str]) -> str | None:
    """The command a command line runs (its first word), None for top-level options
    (``NO_COMMAND`` for ``--version``, which needs no command registered)."""
    try:
        argv = take_lang(argv)[1]
    except LangError:
        return None
    for arg in argv:
        if arg == "--version":
            return NO_COMMAND
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg
    return None
