"""The outputs of ``rabiskit audit`` (JSON to a file and to stdout, CSV, the XLSX workbook
read back) are those the audit wrote before its streaming rewrite, byte for byte (the
workbook: cell for cell), on the fixtures and on the real corpus.

The expected files in tests/audit_expected were written by the code before the rewrite
(tests/audit_expected/make_expected.py), not by the code under test."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import pytest

from tests.conftest import require_corpus

HERE = Path(__file__).resolve().parent / "audit_expected"
sys.path.insert(0, str(HERE))
import make_expected  # noqa: E402

CASES = ["fixtures-audit", "fixtures-audit-only-period", "fixtures-top", "corpus"]


@pytest.mark.parametrize("name", CASES)
def test_outputs_are_those_of_the_audit_before_the_rewrite(name):
    if make_expected.needs_corpus(name):
        require_corpus()
    with gzip.open(HERE / f"{name}.json.gz", "rt", encoding="utf-8") as f:
        want = json.load(f)
    got = json.loads(json.dumps(make_expected.outputs(make_expected.cases()[name])))
    assert got["exit"] == want["exit"]
    assert got["json"] == want["json"]
    assert got["stdout_json"] == want["stdout_json"]
    assert got["csv"] == want["csv"]
    assert got["xlsx"] == want["xlsx"]
    data = json.loads(got["json"])
    assert data["records"] > 0 and data["findings"]  # the case checks something
