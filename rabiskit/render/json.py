"""The report as JSON: the Report's ``data`` document (see :mod:`rabiskit.report.model`)."""

from __future__ import annotations

import json as _json
from typing import Any

from rabiskit.report.model import Report


def _default(o: Any):
    if hasattr(o, "isoformat"):
        return o.isoformat()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def render_json(report: Report) -> str:
    """Indented UTF-8 JSON text (Kazakh and Russian letters as they are, not \\u escapes)."""
    return _json.dumps(report.data, ensure_ascii=False, indent=2, default=_default) + "\n"
