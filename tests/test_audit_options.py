"""``rabiskit audit --min-confidence``: read as typer's pydantic float from 0 to 1 reads it
(the same values accepted, the same refused with the same kind of error and words),
without importing pydantic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer._adapters import build_adapter
from typer.models import OptionInfo

from rabiskit.cli.coercion import Refused
from rabiskit.cli.commands.audit import to_confidence

REPO = Path(__file__).resolve().parents[1]
ONE = REPO / "fixtures" / "unimarc-utf8.iso"
VALUES = ["0.7", " 0.7 ", "0", "1", "1.0", "+0.5", "-0", "0.25", "1e-1", ".5", "5.", "1_0",
          "0_5", "2", "-1", "-0.01", "1.0000001", "nan", "inf", "-inf", "", " ", "abc", "0,5",
          "0x1", "١", "1__0", "_1", "1_", "0.5\t", "٠.5", "infinity", "1e0", 0.5, 1, 0, 3, True]


def _theirs(value):
    try:
        return ("ok", build_adapter(float, OptionInfo(min=0.0, max=1.0)).validate_python(value))
    except Exception as exc:  # pydantic's ValidationError
        return ("refused", exc.errors()[0]["type"], exc.errors()[0].get("ctx"))


def _ours(value):
    try:
        return ("ok", to_confidence(value))
    except Refused as exc:
        return ("refused", exc.errors()[0]["type"], exc.errors()[0].get("ctx"))


@pytest.mark.parametrize("value", VALUES)
def test_confidence_as_pydantic_reads_it(value):
    assert _ours(value) == _theirs(value)


def _audit(*args):
    return subprocess.run([sys.executable, "-m", "rabiskit", "audit", str(ONE), "--format", "json",
                           "--today", "2026-06-30", *args], cwd=REPO, capture_output=True,
                          text=True, encoding="utf-8", env=os.environ | {"RABISKIT_LANG": "en"})


@pytest.mark.parametrize("value, words", [
    ("2", "invalid value for --min-confidence: 2 is more than 1.0"),
    ("-1", "invalid value for --min-confidence: -1 is less than 0.0"),
    ("abc", "invalid value for --min-confidence: abc is not a number"),
    ("nan", "invalid value for --min-confidence: nan is more than 1.0")])
def test_bad_confidence_is_one_clear_line(value, words):
    r = _audit("--min-confidence", value)
    assert r.returncode == 2 and words in r.stderr and "Traceback" not in r.stderr


def test_confidence_reaches_the_audit_and_pydantic_is_not_imported():
    code = ("import sys; sys.argv = ['rabiskit', 'audit', *sys.argv[1:]]\n"
            "from rabiskit.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('PYDANTIC', 'pydantic' in sys.modules, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, str(ONE), "--format", "json", "--today",
                        "2026-06-30", "--min-confidence", "0.99"], cwd=REPO,
                       capture_output=True, text=True, encoding="utf-8")
    assert "PYDANTIC False" in r.stderr, r.stderr
    assert '"summary"' in r.stdout
