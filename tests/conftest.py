"""Shared test helpers: where the real-world corpus and the fixtures are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The tests read English messages unless they ask for a language (``--lang``, or
# RABISKIT_LANG in a subprocess's environment): the machine's own language must not matter.
os.environ["RABISKIT_LANG"] = "en"

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_corpus() -> Path:
    """The ../shared/corpus folder; tests skip without it, except in CI where it must exist."""
    if not CORPUS.is_dir():
        if in_ci():
            pytest.fail(f"CI=true but the corpus folder {CORPUS} is missing")
        pytest.skip(f"the real-export corpus is not beside this clone ({CORPUS} is absent)")
    return CORPUS


@pytest.fixture
def corpus() -> Path:
    return require_corpus()


@pytest.fixture(autouse=True)
def _messages_in_english():
    """A test that switched the language (``--lang`` in-process) leaves no trace."""
    from rabiskit import i18n

    i18n.set_language(None)
    yield
    i18n.set_language(None)


def run_cli(*args, ok: bool = True):
    """``python -m rabiskit ARGS`` in a subprocess of this worktree, English messages and a
    wide console; ``ok``: the exit code must be 0 (its stderr is shown when it is not)."""
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "rabiskit", *map(str, args)], capture_output=True,
                       cwd=REPO, env={"PATH": "/usr/bin:/bin", "PYTHONIOENCODING": "utf-8",
                                      "COLUMNS": "200", "RABISKIT_LANG": "en"})
    if ok:
        assert p.returncode == 0, p.stderr.decode("utf-8", "replace")
    return p
