"""The report as JSON: the Report's ``data`` document (see :mod:`rabiskit.report.document`)."""

from __future__ import annotations

import json as _json

from rabiskit.jsontext import json_default
from rabiskit.report.document import Report


def render_json(report: Report) -> str:
    """Indented UTF-8 JSON text (Kazakh and Russian letters as they are, not \\u escapes)."""
    return _json.dumps(report.data, ensure_ascii=False, indent=2, default=json_default) + "\n"
