"""JSON text as rabiskit writes it: UTF-8 letters as they are, dates as ISO text."""

from __future__ import annotations

import json
from typing import Any


def json_default(o: Any):
    """Dates and times as ISO text, sets and tuples as lists."""
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def dumps(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, indent=indent, default=json_default)
