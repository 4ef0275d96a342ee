"""Command-line values turned into str, int, bool and Path without pydantic.

typer (0.29) converts every parameter's value through a pydantic TypeAdapter; importing
pydantic is a third of the start-up time of a small ``rabiskit count``.  The plain types the
reading commands use are converted here instead, with typer's rules and pydantic's errors
(``Refused.errors()`` has pydantic's shape, so ``rabiskit.cli.localised`` words them the
same way).  Any other parameter (enums, parsers, path checks, file types) keeps typer's own
conversion, and so does everything when typer's internals are not the ones this was written
for (``install`` then does nothing).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, get_args, get_origin

try:  # typer's runtime coercion (0.29); older and newer layouts keep typer's own
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam
    from typer.core import _TyperParameter
except ImportError:  # pragma: no cover - another typer
    RuntimeParam = None  # type: ignore[assignment,misc]

_INT = re.compile(r"[+-]?[0-9]+(?:_[0-9]+)*")
_INT_FLOAT = re.compile(r"([+-]?[0-9]+(?:_[0-9]+)*)\.0+")


class Refused(ValueError):
    """A value refused, described as pydantic describes it (``errors()``)."""

    def __init__(self, kind: str, value: Any, message: str, ctx: dict | None = None) -> None:
        super().__init__(message)
        self._error = {"type": kind, "input": value, "msg": message,
                       **({"ctx": ctx} if ctx else {})}

    def errors(self) -> list[dict]:
        return [dict(self._error)]


def to_int(value: Any, minimum: float | None = None, maximum: float | None = None) -> int:
    """An int from a command-line value, as pydantic's lax mode reads it: blanks around,
    a sign, digits with single underscores between them, a fraction of zeros."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Refused("int_type", value, "Input should be a valid integer")
    if isinstance(value, str):
        text = value.strip()
        whole = _INT_FLOAT.fullmatch(text)
        if whole:
            text = whole.group(1)
        if not _INT.fullmatch(text):
            raise Refused("int_parsing", value,
                          "Input should be a valid integer, unable to parse string as an integer")
        value = int(text)
    if minimum is not None and value < minimum:
        raise Refused("greater_than_equal", value,
                      f"Input should be greater than or equal to {minimum}", {"ge": minimum})
    if maximum is not None and value > maximum:
        raise Refused("less_than_equal", value,
                      f"Input should be less than or equal to {maximum}", {"le": maximum})
    return value


def to_str(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _plain_path(info: Any) -> bool:
    """A Path option or argument with none of typer's path checks asked for."""
    return (not info.exists and info.file_okay and info.dir_okay and not info.writable
            and info.readable and not info.resolve_path and not info.allow_dash
            and info.path_type is None)


def converter(annotation: Any, info: Any):
    """The function converting one value of ``annotation``, or None (typer's own way)."""
    if info.parser is not None or getattr(info, "clamp", False):
        return None
    if get_origin(annotation) is list:
        (item,) = get_args(annotation) or (None,)
        one = converter(item, info)
        if one is None:
            return None
        return lambda value: [one(v) for v in (value if isinstance(value, (list, tuple))
                                               else [value])]
    if annotation is str:
        return to_str
    if annotation is int:
        return lambda value: to_int(value, info.min, info.max)
    if annotation is bool:
        return _to_bool
    if annotation is Path and _plain_path(info):
        return lambda value: value if isinstance(value, Path) else Path(to_str(value))
    return None


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise Refused("bool_parsing", value, "Input should be a valid boolean")


if RuntimeParam is not None:
    class PlainRuntimeParam(RuntimeParam):  # type: ignore[misc,valid-type]
        """typer's RuntimeParam with a converter of ours instead of a TypeAdapter."""

        def __init__(self, parameter_info: Any, annotation: Any, convert) -> None:
            super().__init__(parameter_info=parameter_info, annotation=annotation)
            object.__setattr__(self, "_convert", convert)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                return self._convert(value)  # type: ignore[attr-defined]
            except Refused as exc:
                raise BadParameter(exc.errors()[0]["msg"], ctx=ctx, param=param) from exc


def install(params: list) -> None:
    """Give each plain parameter of a command our converter (the others keep typer's)."""
    if RuntimeParam is None:
        return
    for p in params:
        if not isinstance(p, _TyperParameter) or getattr(p, "_runtime_param", 0) is not None:
            continue
        desc = getattr(p, "type_descriptor", None)
        if desc is None or desc.file_annotation is not None:
            continue
        convert = converter(desc.annotation, desc.parameter_info)
        if convert is not None:
            p._runtime_param = PlainRuntimeParam(desc.parameter_info, desc.annotation, convert)
