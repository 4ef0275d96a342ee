"""The import structure of rabiskit: no cycle between subpackages, and no import that runs
back up the layers (docs/architecture.md draws the same order).

Every ``import`` statement of every module counts, function-level (lazy) ones too: a lazy
import still ties the two packages together.  Run ``python tests/test_architecture.py`` to
print the graph and what breaks it.
"""

from __future__ import annotations

import ast
import sys
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "rabiskit"

# Lowest first.  A module may import from its own layer's packages and the layers below,
# never from a layer above.  "rabiskit" stands for the top-level modules (atomic.py,
# jsontext.py, spill.py): plain helpers everyone may use.
LAYERS: list[tuple[str, ...]] = [
    ("rabiskit", "i18n"),       # helpers: atomic writes, JSON text, messages in kk/ru/en
    ("records",),               # Record, Field, SourceRecord, Problem: what a reader yields
    ("sources",),               # readers of ISO 2709, MARCXML, IRBIS text; encodings, flavour
    ("rules",),                 # level rules: conditions over a record's fields
    ("plan",),                  # the library's plan: targets, levels, the rules it declares
    ("facts",),                 # RecordFacts of each record (careful reader and fast path)
    ("aggregate",),             # periods, the tally per level and language, against the plan
    ("ledger", "digitisation", "harvest"),  # the kept records; digitised copies; fetching
    ("pipeline",),              # inputs -> blocks -> batches of facts -> each command's reduction
    ("report",),                # the Report model (tables, charts) and its messages
    ("render",),                # the Report as XLSX, DOCX, HTML, MD, CSV, JSON; safe cells
    ("audit", "export"),        # language audit; exports and the facts table
    ("web",),                   # the web page
    ("cli", "__main__"),        # the command line
]

# (importing module, imported module): today's imports that run up the layers and that
# only the pipeline redesign (issue 14) can remove.  Do not add to this list: fix the import.
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(node: ast.AST, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if not node.level:
            base = node.module or ""
        else:
            here = module.split(".") if is_package else module.split(".")[:-1]
            here = here[:len(here) - node.level + 1]
            base = ".".join(here + ([node.module] if node.module else []))
        # "from rabiskit import digitisation" imports the subpackage
        return [base] + [f"{base}.{a.name}" for a in node.names if base == "rabiskit" and (
            (PACKAGE / a.name).is_dir() or (PACKAGE / f"{a.name}.py").exists())]
    return []


def rabiskit_imports() -> list[tuple[str, str, int]]:
    """(importing module, imported module, line) for every import of a rabiskit module."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            for name in _imported(node, module, path.name == "__init__.py"):
                if name.startswith("rabiskit."):
                    out.append((module, name, node.lineno))
    return out


def subpackage(module: str) -> str:
    """``rabiskit.facts.scan`` -> ``facts``; a top-level module (``rabiskit.atomic``) ->
    ``rabiskit``, except ``__main__``."""
    parts = module.split(".")
    if len(parts) == 1:
        return "rabiskit"
    if len(parts) == 2 and (PACKAGE / f"{parts[1]}.py").exists() and parts[1] != "__main__":
        return "rabiskit"
    return parts[1]


def layer_of(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise KeyError(package)


def graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for src, dst, _ in rabiskit_imports():
        a, b = subpackage(src), subpackage(dst)
        if a != b:
            edges[a].add(b)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(set(edges) | {w for ws in edges.values() for w in ws}):
        if v not in index:
            visit(v)
    return found


def upward_imports() -> list[str]:
    """Each import that runs up the layers and is not a known exception, as one line."""
    out = []
    for src, dst, line in rabiskit_imports():
        a, b = subpackage(src), subpackage(dst)
        if a != b and layer_of(b) > layer_of(a) and (src, dst) not in KNOWN_EXCEPTIONS:
            out.append(f"{src} (line {line}) imports {dst}: {a} is below {b}")
    return out


def test_every_subpackage_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    packages |= {"rabiskit", "__main__"}
    missing = [p for p in sorted(packages) if not any(p in layer for layer in LAYERS)]
    assert missing == [], f"add these subpackages to LAYERS (and docs/architecture.md): {missing}"


def test_no_import_cycle_between_subpackages():
    assert cycles(graph()) == []


def test_no_import_runs_up_the_layers():
    assert upward_imports() == []


def test_known_exceptions_are_still_needed():
    # an exception that the code no longer needs is removed from the list
    present = {(src, dst) for src, dst, _ in rabiskit_imports()}
    assert sorted(KNOWN_EXCEPTIONS - present) == []


# The checks themselves, on a graph written by hand (so they can fail).
def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"plan": {"rules"}, "rules": {"plan", "records"}, "records": set()}) == [
        ["plan", "rules"]]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"report": {"aggregate"}, "aggregate": {"facts"}}) == []


@pytest.mark.parametrize("module,package", [
    ("rabiskit.facts.scan", "facts"), ("rabiskit.atomic", "rabiskit"),
    ("rabiskit", "rabiskit"), ("rabiskit.__main__", "__main__"),
    ("rabiskit.cli.commands.count", "cli")])
def test_subpackage_of_a_module(module, package):
    assert subpackage(module) == package


def test_relative_and_lazy_imports_are_seen():
    tree = ast.parse("def f():\n    from ..rules import engine\n    from . import model\n")
    names = [n for node in ast.walk(tree) for n in _imported(node, "rabiskit.facts.scan", False)]
    assert names == ["rabiskit.rules", "rabiskit.facts"]
    tree = ast.parse("from rabiskit import digitisation as d\n")
    names = [n for node in ast.walk(tree) for n in _imported(node, "rabiskit.report.x", False)]
    assert names == ["rabiskit", "rabiskit.digitisation"]


if __name__ == "__main__":
    for package, targets in sorted(graph().items()):
        print(f"{package} -> {', '.join(sorted(targets))}")
    print("cycles:", cycles(graph()) or "none")
    for line in upward_imports():
        print("up:", line)
    sys.exit(1 if cycles(graph()) or upward_imports() else 0)
