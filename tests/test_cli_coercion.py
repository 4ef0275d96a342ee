"""rabiskit.cli.coercion converts command-line values as typer's pydantic adapters do (the
same values accepted, the same refused, with the same kind of error), without pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from typer._adapters import build_adapter
from typer.models import OptionInfo

from rabiskit.cli.coercion import Refused, converter, to_int
from rabiskit.cli.main import make_app

INTS = ["3", " 3 ", "+3", "-3", "3.0", "3.000", "3_0", "1_000", "3__0", "_3", "3_", "0x3", "३",
        "", " ", "3.5", "3.", ".0", "twenty", "2026", "1e3", "٣", "03", "+", "-0", "3 0"]


def _theirs(annotation, info, value):
    try:
        return ("ok", build_adapter(annotation, info).validate_python(value))
    except Exception as exc:  # pydantic's ValidationError
        return ("refused", exc.errors()[0]["type"], exc.errors()[0].get("ctx"))


def _ours(annotation, info, value):
    try:
        return ("ok", converter(annotation, info)(value))
    except Refused as exc:
        return ("refused", exc.errors()[0]["type"], exc.errors()[0].get("ctx"))


@pytest.mark.parametrize("value", INTS)
@pytest.mark.parametrize("limits", [(None, None), (1, 4)])
def test_ints_as_pydantic_reads_them(value, limits):
    info = OptionInfo(min=limits[0], max=limits[1])
    assert _ours(int, info, value) == _theirs(int, info, value)


@pytest.mark.parametrize("annotation,value", [
    (str, "Сәтбаев"), (str, ""), (str, ("local_lore", "x.iso")), (Path, "exports/Өлке.iso"),
    (List[Path], ["a.iso", "b.mrc"]), (List[str], [("local_lore", "x.iso")]), (bool, True)])
def test_other_plain_values_as_typer_reads_them(annotation, value):
    info = OptionInfo()
    assert _ours(annotation, info, value) == _theirs(annotation, info, value)


def test_what_is_left_to_typer():
    # a parser, a path check or a type we do not know keeps typer's conversion
    assert converter(str, OptionInfo(parser=str.upper)) is None
    assert converter(Path, OptionInfo(exists=True)) is None
    assert converter(float, OptionInfo()) is None
    assert converter(List[float], OptionInfo()) is None


def test_refusals_carry_the_limits():
    with pytest.raises(Refused) as e:
        to_int("5", 1, 4)
    assert e.value.errors()[0]["ctx"] == {"le": 4} and e.value.errors()[0]["input"] == 5


def test_the_commands_use_it():
    import typer.main

    from rabiskit.cli.coercion import PlainRuntimeParam

    group = typer.main.get_command(make_app("count"))
    count = group.commands["count"]
    assert {p.name for p in count.params if isinstance(p._runtime_param, PlainRuntimeParam)} == {
        p.name for p in count.params}
