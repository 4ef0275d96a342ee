"""What the page asks for, as library calls: the report, the count, the audit, importing
into the ledger and the ledger's year so far.  The same calls ``rabiskit report``,
``count``, ``audit``, ``import`` and ``ledger status`` make, so the JSON is theirs.

The uploaded files are read under their display names (:attr:`rabiskit.facts.scan.Input.
name`): the JSON names the files as the user's computer did, never the temporary copies.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from rabiskit.facts.scan import Input
from rabiskit.plan.model import Plan
from rabiskit.web.uploads import Form, Upload, display_name

Progress = Callable[[int, str], None]


class FormError(ValueError):
    """A form field the work cannot go on with (one plain line)."""


@dataclass
class Request:
    """One piece of work the page or the API asked for."""

    inputs: list[Input]
    plan: Plan
    year: int | None
    quarter: int | None
    lang: str
    today: dt.date

    @property
    def size(self) -> int:
        return sum(i.path.stat().st_size for i in self.inputs)


def _int_field(form: Form, name: str, low: int, high: int) -> int | None:
    text = (form.first(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or not low <= int(text) <= high:
        raise FormError(f"{name} {text}: give a number from {low} to {high}")
    return int(text)


def plan_from(form: Form, default: Plan | None = None) -> Plan:
    """The plan the form sends (the file ``plan``, read under its own name), else
    ``default``, else the built-in one."""
    from rabiskit.plan.errors import PlanError
    from rabiskit.plan.load import default_plan, load_plan

    uploads = [u for u in form.files_of("plan")]
    try:
        if uploads:
            return load_plan(uploads[0].path, name=uploads[0].name)
    except PlanError as e:
        raise FormError(str(e)) from None
    return default if default is not None else default_plan()


def inputs_from(uploads: Iterable[Upload], db_lines: Iterable[str], plan: Plan) -> list[Input]:
    """The inputs of ``rabiskit report EXPORT... --db LEVEL FILE...``: the uploaded exports
    in order, each ``LEVEL:FILENAME`` line declaring the uploads of that name one
    database (moved to the end, in the order of the lines, as the CLI orders them)."""
    uploads = list(uploads)
    inputs = [Input(u.path, name=u.name) for u in uploads]
    levels = set(plan.levels())
    for line in db_lines:
        line = line.strip()
        if not line:
            continue
        level, sep, name = line.partition(":")
        level, name = level.strip(), display_name(name.strip(), "")
        if not sep or not level or not name:
            raise FormError(f"db {line}: give LEVEL:FILENAME, e.g. local_lore:kraeved.iso")
        if level not in levels:
            raise FormError(f"db {level}:{name}: unknown level {level!r}; known levels: "
                            f"{', '.join(sorted(levels))}")
        named = [u for u in uploads if u.name == name]
        if not named:
            raise FormError(f"db {level}:{name}: no uploaded export file is called {name!r}")
        for u in named:
            inputs = [i for i in inputs if i.path != u.path]
            inputs.append(Input(u.path, level, name=u.name))
    if not inputs:
        raise FormError("no export files given")
    return inputs


def request_from(form: Form, *, default_plan: Plan | None = None,
                 quarter_default: int | None = None) -> Request:
    """The Request a form describes: ``exports`` files, ``db`` lines, ``plan`` file,
    ``year``, ``quarter`` (absent or empty: the year to date), ``lang``, ``as_of``."""
    from rabiskit.report.messages import check_lang

    plan = plan_from(form, default_plan)
    year = _int_field(form, "year", 1900, 2999)
    quarter = _int_field(form, "quarter", 1, 4)
    try:
        lang = check_lang(form.first("lang") or "kk")
    except ValueError as e:
        raise FormError(str(e).replace("--lang", "lang")) from None
    as_of = (form.first("as_of") or "").strip()
    try:
        today = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        raise FormError(f"as_of {as_of}: give a date as YYYY-MM-DD") from None
    inputs = inputs_from(form.files_of("exports"), form.all("db"), plan)
    return Request(inputs, plan, year, quarter if quarter is not None else quarter_default,
                   lang, today)


def _period(req: Request):
    """The period of ``count`` and ``audit`` for the request's --year/--quarter."""
    from rabiskit.aggregate.period import choose_period

    return choose_period(req.year, req.quarter, None, None, req.plan.year)


def make_report(req: Request, progress: Progress | None = None):
    """The Report of ``rabiskit report`` (``.data``: its JSON)."""
    from rabiskit.report.run import make_report as report

    return report(req.inputs, req.plan, year=req.year, quarter=req.quarter, lang=req.lang,
                  today=req.today, progress=progress)


def count_data(req: Request, progress: Progress | None = None) -> dict:
    """The JSON of ``rabiskit count ... --format json``."""
    from rabiskit.aggregate.count import count_document
    from rabiskit.pipeline.count import count_inputs

    tally, scan = count_inputs(req.inputs, req.plan, _period(req), progress=progress)
    return count_document(tally, scan, req.plan)


def audit_data(req: Request, progress: Progress | None = None) -> dict:
    """The JSON of ``rabiskit audit ... --format json``."""
    from rabiskit.audit.run import audit_inputs

    return audit_inputs(req.inputs, req.plan, _period(req), today=req.today,
                        progress=progress).as_dict()


@dataclass
class Analysis:
    """What the report page shows: the report's scan (laid out in any language without
    the files, which are gone once the work ends), the audit and the count of one
    upload."""

    scan: Any  # rabiskit.report.run.ReportScan
    audit: dict
    count: dict
    plan: Plan
    request: Request

    def __post_init__(self) -> None:
        self._reports: dict[str, Any] = {}

    def report(self, lang: str | None = None):
        """The Report in ``lang`` (default: the one asked for), built once per language."""
        from rabiskit.report.run import report_of

        lang = lang or self.request.lang
        if lang not in self._reports:
            self._reports[lang] = report_of(self.scan, self.plan, lang, self.request.today)
        return self._reports[lang]


def analyse(req: Request, job) -> Analysis:
    """The report's scan, then the audit, then the count, with the job's progress."""
    from rabiskit.report.run import scan_exports

    rs = scan_exports(req.inputs, req.plan, year=req.year, quarter=req.quarter,
                      today=req.today, progress=job.progress("report"))
    audit = audit_data(req, job.progress("audit"))
    count = count_data(req, job.progress("count"))
    analysis = Analysis(rs, audit, count, req.plan, req)
    analysis.report()
    return analysis


# -- the ledger --------------------------------------------------------------------------
@dataclass
class ImportRequest:
    """An import into the ledger the page or the API asked for."""

    inputs: list[Input]
    plan: Plan
    database: str


def import_request_from(form: Form, *, default_plan: Plan | None = None) -> ImportRequest:
    """The import a form describes: ``exports`` files, ``db`` lines, ``plan`` file (whose
    level rules decide the levels), ``database`` (the catalogue's name; default as
    ``rabiskit import``)."""
    from rabiskit.ledger.store import DEFAULT_DATABASE

    plan = plan_from(form, default_plan)
    inputs = inputs_from(form.files_of("exports"), form.all("db"), plan)
    return ImportRequest(inputs, plan, (form.first("database") or "").strip() or DEFAULT_DATABASE)


def import_into_ledger(path, inputs: list[Input], plan: Plan, database: str,
                       progress: Progress | None = None) -> dict:
    """``rabiskit import EXPORT... --ledger PATH --format json``: the import's JSON."""
    from rabiskit.pipeline.ledger import import_inputs
    from rabiskit.ledger.store import open_ledger

    with open_ledger(path, create=True) as led:
        return import_inputs(led, inputs, plan, database=database, progress=progress).as_dict()


def ledger_status_data(path) -> dict | None:
    """``rabiskit ledger status --format json``, or None when there is no ledger yet."""
    from rabiskit.ledger.status import ledger_status
    from rabiskit.ledger.store import open_ledger

    if not path.exists():
        return None
    with open_ledger(path) as led:
        return ledger_status(led)


def ledger_report(path, plan: Plan, year: int | None, quarter: int | None, lang: str,
                  today: dt.date | None = None):
    """The Report of ``rabiskit report --ledger PATH`` (closed quarters as frozen), or
    None when the ledger is absent or holds no record."""
    from rabiskit.ledger.store import open_ledger
    from rabiskit.report.run import report_digitisation, report_from_ledger, report_of

    today = today or dt.date.today()
    if not path.exists():
        return None
    y = year or plan.year
    with open_ledger(path) as led:
        if not led.one("SELECT COUNT(*) FROM records"):
            return None
        dig = report_digitisation(plan, y, quarter, today)
        rs = report_from_ledger(led, plan, year=y, quarter=quarter, today=today,
                                digitisation=dig)
    return report_of(rs, plan, lang, today)


def close_ledger_quarter(path, year: int, quarter: int, plan: Plan) -> dict:
    """``rabiskit ledger close YYYYQn --format json``."""
    from rabiskit.ledger.closing import close_quarter
    from rabiskit.ledger.store import open_ledger

    with open_ledger(path) as led:
        return close_quarter(led, year, quarter, plan).as_dict()
