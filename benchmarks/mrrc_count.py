"""The pymarc baseline's count (benchmarks/pymarc_count.py), read with mrrc instead.

    python benchmarks/mrrc_count.py FILE [--year 2026] [--limit N] [--local-lore TEXT]

mrrc (a MARC reader written in Rust, on PyPI: ``pip install mrrc``, or the ``bench`` extra
of pyproject.toml) has a pymarc-like API: ``MARCReader``, ``record.leader[6]``,
``record.get("100")``, ``field.get("a")``, ``get_fields``, ``get_subfields``.  So the count
is the very same Python code as pymarc's; only the reader differs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterable

import mrrc

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pymarc_count import main  # noqa: E402


def open_reader(fh: Any) -> Iterable[Any]:
    # permissive: a record that does not parse is yielded as None, as pymarc does
    return mrrc.MARCReader(fh, permissive=True)


if __name__ == "__main__":
    main(open_reader)
