"""The ``--plan`` option: the given plan file, or the built-in default (the seed's 2026 plan)."""

from __future__ import annotations

from pathlib import Path

from rabiskit.cli.common import fail
from rabiskit.i18n import _
from rabiskit.plan.errors import PlanError
from rabiskit.plan.load import default_plan, load_plan
from rabiskit.plan.model import Plan


def load_plan_option(path: Path | None) -> Plan:
    try:
        return default_plan() if path is None else load_plan(path)
    except PlanError as e:
        fail(str(e))
    except OSError as e:
        fail(_("{file}: cannot read the plan ({reason})").format(file=path,
                                                                 reason=e.strerror or e))
