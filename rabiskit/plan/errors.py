"""The one error a plan file can raise: ``PlanError``, naming the file, the key and the line."""

from __future__ import annotations

import difflib
from typing import Iterable, Sequence

from rabiskit.i18n import N_
from rabiskit.plan.tomlpos import KeyLines, dotted


class PlanError(ValueError):
    """A plan file that cannot be used.

    ``str(error)`` is one line for the librarian, e.g.
    ``plan.toml, line 12: catalogue.article.kazakh: Q3 says 150 in Kazakh, more than the 148 in all``.
    The parts are kept as attributes too: ``file``, ``key`` (dotted), ``line`` and ``reason``.
    """

    def __init__(self, reason: str, file: str | None = None, key: str | None = None,
                 line: int | None = None):
        self.reason = reason
        self.file = file
        self.key = key
        self.line = line
        where = ", ".join(p for p in (file, N_("line {line}").format(
            line=line) if line else None) if p)
        text = reason if not key else f"{key}: {reason}"
        super().__init__(f"{where}: {text}" if where else text)


class Where:
    """The file being read and the line of each key in it: turns a key path and a reason
    into a ``PlanError`` that names the file, the dotted key and its line."""

    def __init__(self, file: str, text: str):
        self.file = file
        self.lines = KeyLines(text)

    def error(self, path: Sequence, reason: str) -> PlanError:
        return PlanError(reason, self.file, dotted(path) or None, self.lines.line(path))

    def check_keys(self, table: dict, allowed: Iterable[str], path: Sequence) -> None:
        """Raise for the first key of ``table`` that is not in ``allowed``."""
        allowed = list(allowed)
        for key in table:
            if key not in allowed:
                close = difflib.get_close_matches(key, list(allowed), n=1)
                hint = N_(" (did you mean {close!r}?)").format(close=close[0]) if close else ""
                expected = ", ".join(allowed)
                raise self.error(tuple(path) + (key,),
                                 N_("unknown key {key!r}{hint}; expected one of: {expected}").format(
                                     key=key, hint=hint, expected=expected))
