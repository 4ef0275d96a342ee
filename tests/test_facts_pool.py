"""Where the facts command's Arrow buffers come from: the C library's heap (Arrow's system
pool), which keeps a block's memory for the next block, unless the user names a pool."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO


def _pool_after_facts_import(env: dict) -> str:
    code = ("from rabiskit.export.facts_table import _pyarrow; pa = _pyarrow(); "
            "print(pa.default_memory_pool().backend_name)")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


def test_facts_allocate_on_the_heap_unless_told_otherwise():
    import pyarrow as pa

    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    assert _pool_after_facts_import(env) == "system"
    try:
        pa.mimalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow has no mimalloc")
    assert _pool_after_facts_import({**env, "ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}) == "mimalloc"
