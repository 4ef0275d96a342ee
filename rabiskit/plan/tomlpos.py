"""Line numbers of keys in a TOML text, for error messages.

``tomllib`` gives values but no positions, and a librarian editing a plan needs to hear
"line 14".  ``KeyLines`` scans the text once, tracking table headers (``[a.b]``, and
``[[a.b]]`` with a running index per array of tables), ``key = value`` lines (dotted keys
too), multi-line arrays (whose ``{...}`` elements on their own lines are numbered) and
multi-line strings, and remembers the first line of each key path.  A path is a tuple of
key names and array indexes, e.g. ``("catalogue", "article", "kazakh")`` or
``("rules", "rule", 2, "level")``; when a path has no line of its own (a key inside an
inline table, a missing key) the line of its nearest parent is used.
"""

from __future__ import annotations

import json
import re
from typing import Sequence

_BARE = r"[A-Za-z0-9_-]+"
_BASIC = r'"(?:[^"\\\n]|\\.)*"'
_LITERAL = r"'[^'\n]*'"
_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_KEY_PART = re.compile(rf"\s*({_KEY})\s*(?:\.|$)")
_ARRAY_HEADER = re.compile(rf"^\s*\[\[\s*({_DOTTED})\s*\]\]")
_TABLE_HEADER = re.compile(rf"^\s*\[\s*({_DOTTED})\s*\]")
_KEY_VALUE = re.compile(rf"^\s*({_DOTTED})\s*=(.*)$")

Path = tuple  # tuple[str | int, ...]


def split_dotted(dotted: str) -> tuple[str, ...]:
    """``a."b.c".d`` -> ("a", "b.c", "d")."""
    parts: list[str] = []
    pos = 0
    while pos < len(dotted):
        m = _KEY_PART.match(dotted, pos)
        if not m:
            break
        key = m.group(1)
        if key[0] == '"':
            try:
                key = json.loads(key)
            except ValueError:
                key = key[1:-1]
        elif key[0] == "'":
            key = key[1:-1]
        parts.append(key)
        pos = m.end()
    return tuple(parts)


def _scan_value(rest: str, depth: int, in_ml: str | None) -> tuple[int, str | None, list[int]]:
    """Follow brackets and strings through ``rest``.

    Returns the new bracket depth, the multi-line string delimiter still open (or None),
    and the character offsets at which a ``{`` opens an element of the outermost array.
    """
    i = 0
    starts: list[int] = []
    n = len(rest)
    while i < n:
        if in_ml:
            j = rest.find(in_ml, i)
            if j < 0:
                return depth, in_ml, starts
            i = j + 3
            in_ml = None
            continue
        ch = rest[i]
        if ch == "#":
            break
        if rest.startswith('"""', i) or rest.startswith("'''", i):
            in_ml = rest[i:i + 3]
            i += 3
            continue
        if ch == '"':
            i += 1
            while i < n and rest[i] != '"':
                i += 2 if rest[i] == "\\" else 1
            i += 1
            continue
        if ch == "'":
            j = rest.find("'", i + 1)
            i = n if j < 0 else j + 1
            continue
        if ch in "[{":
            if ch == "{" and depth == 1:
                starts.append(i)
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    return depth, in_ml, starts


class KeyLines:
    """The first line (1-based) of every key path in a TOML text."""

    def __init__(self, text: str):
        self.lines: dict[Path, int] = {}
        self._scan(text)

    def _note(self, path: Path, line: int) -> None:
        self.lines.setdefault(path, line)

    def _scan(self, text: str) -> None:
        table: Path = ()
        array_counts: dict[Path, int] = {}
        depth = 0
        in_ml: str | None = None
        open_key: Path | None = None  # the key whose multi-line value we are inside
        element = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if depth > 0 or in_ml:
                depth_before = depth
                depth, in_ml, starts = _scan_value(line, depth, in_ml)
                if open_key is not None and depth_before >= 1:
                    for _ in starts:
                        self._note(open_key + (element,), number)
                        element += 1
                continue
            m = _ARRAY_HEADER.match(line)
            if m:
                names = split_dotted(m.group(1))
                index = array_counts.get(names, 0)
                array_counts[names] = index + 1
                table = names + (index,)
                self._note(names, number)
                self._note(table, number)
                continue
            m = _TABLE_HEADER.match(line)
            if m:
                table = split_dotted(m.group(1))
                for i in range(1, len(table) + 1):
                    self._note(table[:i], number)
                continue
            m = _KEY_VALUE.match(line)
            if m:
                key = table + split_dotted(m.group(1))
                self._note(key, number)
                depth, in_ml, starts = _scan_value(m.group(2), 0, None)
                open_key = key
                element = 0
                if depth > 0:
                    for _ in starts:
                        self._note(key + (element,), number)
                        element += 1

    def line(self, path: Sequence) -> int | None:
        """Line of ``path``, else of its nearest parent that has one; None if none has."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None


def dotted(path: Sequence) -> str:
    """("rules", "rule", 2, "level") -> "rules.rule[2].level"."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            text = str(part)
            if not re.fullmatch(_BARE, text):
                text = '"' + text.replace('"', '\\"') + '"'
            out += ("." if out else "") + text
    return out
