"""JSON text as rabiskit writes it: UTF-8 letters as they are, dates as ISO text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from json.encoder import encode_basestring as _encode  # type: ignore[attr-defined]
from typing import Any, Callable, Iterator

_INF = float("inf")


def json_default(o: Any):
    """Dates and times as ISO text, sets and tuples as lists (and any other sequence, e.g. a
    list of documents kept on disk: ``rabiskit.digitisation.store.Documents``)."""
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    if isinstance(o, Sequence) and not isinstance(o, (str, bytes, bytearray)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=json_default)


def _float_text(o: float) -> str:
    if o != o:
        return "NaN"
    if o == _INF:
        return "Infinity"
    if o == -_INF:
        return "-Infinity"
    return float.__repr__(o)


def scalar_text(o: Any) -> str | None:
    """The JSON text of null, true, false or a number; None for anything else."""
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float_text(o)
    return None


def _key_text(key: Any) -> str:
    if isinstance(key, str):
        return key
    text = scalar_text(key)
    if text is None:
        raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")
    return text


def indented_chunks(value: Any, indent: int = 2) -> Iterator[str]:
    """The text of ``json.dumps(value, ensure_ascii=False, indent=indent,
    default=json_default)``, in pieces, for writing a large document without holding its
    text (or its items: a sequence with an ``indented_items(indent)`` method gives each of
    its items' text as it would stand at the top level, e.g. read back from disk)."""
    yield from _chunks(value, "\n", " " * indent)


def _chunks(o: Any, nl: str, step: str) -> Iterator[str]:
    if isinstance(o, str):
        yield _encode(o)
        return
    text = scalar_text(o)
    if text is not None:
        yield text
    elif isinstance(o, (list, tuple)):
        yield from _list_chunks(o, nl, step)
    elif isinstance(o, dict):
        if not o:
            yield "{}"
            return
        inner = nl + step
        first = True
        for k, v in o.items():
            yield ("{" if first else ",") + inner + _encode(_key_text(k)) + ": "
            first = False
            yield from _chunks(v, inner, step)
        yield nl + "}"
    elif hasattr(o, "indented_items"):
        if not len(o):
            yield "[]"
            return
        inner = nl + step
        first = True
        for text in o.indented_items(len(step)):
            yield ("[" if first else ",") + inner + text.replace("\n", inner)
            first = False
        yield nl + "]"
    else:
        yield from _chunks(json_default(o), nl, step)


def _list_chunks(o, nl: str, step: str) -> Iterator[str]:
    if not o:
        yield "[]"
        return
    inner = nl + step
    first = True
    for v in o:
        yield "[" if first else ","
        first = False
        yield inner
        yield from _chunks(v, inner, step)
    yield nl + "]"


def write_indented(value: Any, write: Callable[[str], Any], indent: int = 2,
                   batch: int = 1 << 16) -> None:
    """Write ``value`` as ``indented_chunks`` gives it, through ``write``, a batch of
    about ``batch`` characters at a time."""
    parts: list[str] = []
    size = 0
    for chunk in indented_chunks(value, indent):
        parts.append(chunk)
        size += len(chunk)
        if size >= batch:
            write("".join(parts))
            parts, size = [], 0
    if parts:
        write("".join(parts))
