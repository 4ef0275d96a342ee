"""``--db LEVEL FILE``: every record of FILE belongs to LEVEL.

RABIS exports one catalogue database per file, so a whole file can be declared to be,
say, the local-lore database.  ``DbLevels`` maps files to levels, matching a record's
file by its resolved path (case-insensitively where the file system is, e.g. Windows),
so ``--db local_lore exports/Olke.iso`` matches records read from ``./exports/Olke.iso``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from rabiskit.i18n import N_


def _key(file: str | Path) -> str:
    try:
        resolved = Path(file).resolve()
    except OSError:
        resolved = Path(os.path.abspath(file))
    return os.path.normcase(str(resolved))


class DbLevels:
    """The files declared with ``--db`` and their levels."""

    def __init__(self, pairs: Iterable[tuple[str, str | Path]] = (),
                 known_levels: Iterable[str] | None = None):
        known = tuple(known_levels) if known_levels is not None else None
        self._levels: dict[str, str] = {}
        self.files: list[tuple[str, str]] = []  # (level, file as given), in order
        for level, file in pairs:
            if known is not None and level not in known:
                raise ValueError(N_("--db {level} {file}: unknown level {level!r}; known levels: {items}").format(
                    level=level, file=file, items=', '.join(known)))
            self._levels[_key(file)] = level
            self.files.append((level, str(file)))

    def __bool__(self) -> bool:
        return bool(self._levels)

    def level_for(self, file: str | Path) -> str | None:
        """The declared level of ``file``, or None when it was not declared."""
        if not self._levels:
            return None
        return self._levels.get(_key(file))


def parse_db_value(value: str) -> tuple[str, str]:
    """``"LEVEL=FILE"`` (one-argument spelling of ``--db LEVEL FILE``) -> (level, file)."""
    level, sep, file = value.partition("=")
    if not sep or not level.strip() or not file.strip():
        raise ValueError(N_("--db {value!r}: write LEVEL=FILE, e.g. local_lore=olke.iso").format(
            value=value))
    return level.strip(), file.strip()
