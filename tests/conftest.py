"""Shared test helpers: where the real-world corpus and the fixtures are."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
