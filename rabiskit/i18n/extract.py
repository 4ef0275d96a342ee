"""The Babel extractor for rabiskit's sources (``babel.cfg`` names it).

It finds, by reading the syntax tree (never running the code):

* ``_("...")``, ``gettext("...")``, ``N_("...")`` and ``ngettext("one", "many", n)``;
* the texts a typer command line shows: the string literals given as ``help=``,
  ``short_help=``, ``epilog=`` and ``metavar=`` to any call (``typer.Option``,
  ``typer.Argument``, ``app.command``, ``typer.Typer``), cleaned as typer cleans them;
* the docstrings of functions decorated with ``@x.command(...)`` or ``@x.callback(...)``
  (typer shows them as the command's help).

So a new option's help text is in the catalogue without marking; ``tests/test_i18n.py``
fails until it is translated.
"""

from __future__ import annotations

import ast
import inspect
from typing import Iterator

GETTEXT = {"_", "gettext", "N_", "translate_text"}
NGETTEXT = {"ngettext"}
HELP_KEYWORDS = {"help", "short_help", "epilog"}
METAVAR_KEYWORDS = {"metavar"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def messages(source: str) -> Iterator[tuple[int, str, str | tuple[str, str]]]:
    """``(line, function, message)`` for every translatable text of a Python source; for
    ``ngettext`` the message is ``(singular, plural)``."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _name(node.func)
            if name in GETTEXT and node.args:
                s = _string(node.args[0])
                if s:
                    yield node.lineno, name, s
            elif name in NGETTEXT and len(node.args) >= 2:
                one, many = _string(node.args[0]), _string(node.args[1])
                if one and many:
                    yield node.lineno, name, (one, many)
            for kw in node.keywords:
                s = _string(kw.value)
                if not s:
                    continue
                if kw.arg in HELP_KEYWORDS:
                    yield kw.value.lineno, kw.arg, inspect.cleandoc(s)
                elif kw.arg in METAVAR_KEYWORDS:
                    yield kw.value.lineno, kw.arg, s
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if any(isinstance(d, ast.Call) and _name(d.func) in ("command", "callback")
                   for d in node.decorator_list):
                doc = ast.get_docstring(node, clean=True)
                if doc:
                    yield node.body[0].lineno, "docstring", doc


def extract(fileobj, keywords, comment_tags, options):
    """Babel's extraction-method interface."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    for lineno, funcname, message in messages(source):
        yield lineno, funcname, message, []
