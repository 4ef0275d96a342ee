"""The web application of ``rabiskit serve``: pages rendered on the server (Jinja2, every
value escaped), a JSON twin of each page's data with the CLI's keys, uploads streamed to
disk, long work in background jobs whose progress the page polls.

Pages: ``/`` (choose the exports, the plan, the period), ``/jobs/ID`` (progress, then
the report's tables and charts, the audit and the downloads), ``/ledger`` (the year kept
in the ledger: import, close a quarter, the year so far).  JSON: ``POST /api/report``,
``/api/count``, ``/api/audit`` (multipart: ``exports``, ``db`` = ``LEVEL:FILENAME``,
``plan``, ``year``, ``quarter``, ``lang``, ``as_of``) answer what ``rabiskit report -o
x.json``, ``count --format json`` and ``audit --format json`` write for the same files;
``GET /api/ledger`` is ``ledger status --format json``, ``GET /api/ledger/report``
``report --ledger``'s JSON, ``POST /api/ledger/import`` ``import --format json``;
``GET /api/jobs/ID`` a job's progress and ``/api/jobs/ID/result`` its JSON.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import html
import json
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from rabiskit.aggregate.period import PeriodError
from rabiskit.jsontext import json_default
from rabiskit.ledger.store import LedgerError
from rabiskit.web.auth import CSP, LANG_COOKIE, Guard, GuardMiddleware, session_cookie
from rabiskit.web.jobs import DONE, FAILED, Jobs, remove
from rabiskit.web.messages import LANG_NAMES, LANGS, page_lang, t
from rabiskit.web.uploads import Form, UploadError, UploadTooLarge, receive_form
from rabiskit.web import work

HERE = Path(__file__).resolve().parent
#: the default upload limit: 1 GiB (an export of a large library is a few hundred MB)
DEFAULT_MAX_UPLOAD = 1024 << 20
#: findings the page lists (the XLSX has them all)
FINDINGS_SHOWN = 200

REPORT_TYPES = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
                "md": "text/markdown; charset=utf-8", "json": "application/json"}
AUDIT_TYPES = {k: REPORT_TYPES[k] for k in ("xlsx", "csv", "json")}


@dataclass
class Settings:
    """One server's settings: the guard (token, password), the upload limit in bytes,
    the ledger file, the plan used for the ledger's pages (None: the built-in one) and
    where the temporary folder goes (None: the system's)."""

    guard: Guard = field(default_factory=Guard)
    max_upload: int = DEFAULT_MAX_UPLOAD
    ledger: Path | None = None
    plan_path: Path | None = None
    temp_parent: Path | None = None


def _json_response(data: Any, status: int = 200) -> Response:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=json_default) + "\n"
    return Response(text, status_code=status, media_type="application/json")


def _style_hashes(markup: str) -> list[str]:
    """CSP hashes of the style attributes in trusted markup (the report's chart legend),
    so they may apply without allowing any other inline style."""
    values = {html.unescape(v) for v in re.findall(r'\sstyle="([^"]*)"', markup)}
    return sorted("'sha256-" + base64.b64encode(hashlib.sha256(v.encode()).digest()).decode()
                  + "'" for v in values)


def _csp(markup: str = "") -> str:
    hashes = _style_hashes(markup)
    if not hashes:
        return CSP
    return CSP + "; style-src 'self' 'unsafe-hashes' " + " ".join(hashes)


def _megabytes(n: int) -> str:
    mb = n / (1 << 20)
    return f"{mb:.0f}" if mb == int(mb) else f"{mb:.2f}"


def _slug(period: dict, year: int) -> str:
    q = period.get("quarter")
    return f"{year}-q{q}" if q else f"{year}"


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    guard = settings.guard
    jobs = Jobs(settings.temp_parent)
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(default=True, default_for_string=True))

    def ledger_path() -> Path:
        from rabiskit.ledger.location import default_ledger_path

        return Path(settings.ledger) if settings.ledger is not None else default_ledger_path()

    def server_plan():
        from rabiskit.plan.load import default_plan, load_plan

        return load_plan(settings.plan_path) if settings.plan_path else default_plan()

    def lang_of(request: Request) -> str:
        return page_lang(request.query_params.get("lang") or request.cookies.get(LANG_COOKIE))

    def csrf_of(request: Request) -> str:
        session = request.scope.get("state", {}).get("session")
        return guard.csrf_token(session) if session else ""

    def page(request: Request, name: str, status: int = 200, markup: str = "", **ctx) -> Response:
        lang = lang_of(request)
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]

        def lang_link(code: str) -> str:
            from urllib.parse import urlencode
            return request.url.path + "?" + urlencode(query + [("lang", code)])

        text = env.get_template(name).render(
            lang=lang, t=lambda key, **v: t(key, lang, **v), langs=LANGS, lang_names=LANG_NAMES,
            lang_link=lang_link, csrf=csrf_of(request), path=request.url.path, **ctx)
        response = HTMLResponse(text, status_code=status,
                                headers={"content-security-policy": _csp(markup)})
        if request.query_params.get("lang") in LANGS:
            response.set_cookie(LANG_COOKIE, lang, httponly=True, samesite="strict")
        return response

    def error_page(request: Request, status: int, message: str) -> Response:
        return page(request, "error.html", status=status, message=message)

    async def read_form(request: Request) -> tuple[Form, Path]:
        """The multipart form, its files in a new folder (removed on failure)."""
        folder = jobs.folder()

        def check_csrf(form: Form) -> None:
            if not guard.csrf_ok(request.scope, form.first("csrf")
                                 or request.headers.get("x-csrf-token")):
                raise PermissionError("csrf")
        try:
            form = await receive_form(request, folder, settings.max_upload, check_csrf)
            check_csrf(form)
        except BaseException:
            remove(folder)
            raise
        if not form.files_of("exports"):
            remove(folder)
            raise work.FormError(t("e_no_files", lang_of(request)))
        return form, folder

    def form_failure(request: Request, e: Exception, api: bool) -> Response:
        lang = lang_of(request)
        if isinstance(e, UploadTooLarge):
            status, message = 413, t("e_too_large", lang, limit=_megabytes(settings.max_upload))
        elif isinstance(e, PermissionError):
            status, message = 403, t("e_csrf", lang)
        else:
            status, message = 400, str(e)
        if api:
            return _json_response({"error": message}, status)
        return error_page(request, status, message)

    # -- pages -------------------------------------------------------------------------
    async def index(request: Request) -> Response:
        plan = await run_in_threadpool(server_plan)
        lang = lang_of(request)
        levels = [(lv, plan.level_name(lv, lang)) for lv in plan.levels()]
        return page(request, "index.html", plan=plan, levels=levels,
                    max_upload_mb=_megabytes(settings.max_upload))

    async def receive_work(request: Request, api: bool, build=work.request_from
                           ) -> tuple[Any, Path] | Response:
        """The work a form asks for (``build(form, default_plan=...)``: a report's
        work.Request, an import's work.ImportRequest) and the folder of its uploads, or
        the answer refusing it."""
        try:
            form, folder = await read_form(request)
        except (UploadError, PermissionError, work.FormError) as e:
            return form_failure(request, e, api=api)
        try:
            req = await run_in_threadpool(build, form,
                                          default_plan=await run_in_threadpool(server_plan))
        except work.FormError as e:
            remove(folder)
            return form_failure(request, e, api=api)
        return req, folder

    async def start_report(request: Request) -> Response:
        received = await receive_work(request, api=False)
        if isinstance(received, Response):
            return received
        req, folder = received
        size = await run_in_threadpool(lambda: req.size)
        job = jobs.start("report", lang_of(request), folder, 3 * size,
                         lambda job: work.analyse(req, job))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def job_page(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        if job is None:
            return error_page(request, 404, t("job_gone", lang_of(request)))
        if job.state != DONE:
            return page(request, "job.html", job=job, progress=job.status())
        if job.kind == "import":
            return page(request, "imported.html", job=job, result=job.result)
        analysis = job.result
        lang = lang_of(request)
        report = await run_in_threadpool(analysis.report, lang)
        from rabiskit.render.html import report_body

        body = report_body(report)
        return page(request, "result.html", markup=body, job=job, body=Markup(body),
                    audit=_audit_view(analysis.audit, lang),
                    report_formats=list(REPORT_TYPES), audit_formats=list(AUDIT_TYPES))

    async def job_download(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        what, fmt = request.path_params["what"], request.path_params["fmt"]
        if job is None or job.state != DONE or job.kind != "report":
            return error_page(request, 404, t("job_gone", lang_of(request)))
        types = REPORT_TYPES if what == "report" else AUDIT_TYPES if what == "audit" else {}
        if fmt not in types:
            return error_page(request, 404, t("e_not_found", lang_of(request)))
        analysis = job.result
        lang = lang_of(request)
        data = await run_in_threadpool(_download, analysis, what, fmt, lang, jobs)
        head = analysis.report().data
        name = f"rabiskit-{what}-{_slug(head['period'], head['header']['year'])}.{fmt}"
        return Response(data, media_type=types[fmt], headers={
            "content-disposition": f'attachment; filename="{name}"'})

    async def ledger_page(request: Request) -> Response:
        lang = lang_of(request)
        path = ledger_path()
        plan = await run_in_threadpool(server_plan)
        year = request.query_params.get("year", "")
        y = int(year) if year.isdigit() and 1900 <= int(year) <= 2999 else plan.year
        try:
            status = await run_in_threadpool(work.ledger_status_data, path)
            report = await run_in_threadpool(work.ledger_report, path, plan, y, None, lang)
        except (LedgerError, sqlite3.Error, PeriodError, ValueError) as e:
            # a damaged or locked ledger, a year the plan cannot report: say so on the page
            return error_page(request, 500, str(e))
        from rabiskit.ledger.store import DEFAULT_DATABASE
        from rabiskit.render.html import report_body

        body = report_body(report) if report is not None else ""
        levels = [(lv, plan.level_name(lv, lang)) for lv in plan.levels()]
        return page(request, "ledger.html", markup=body, status_data=status, body=Markup(body),
                    ledger_file=str(path), year=y, levels=levels,
                    default_database=DEFAULT_DATABASE,
                    closed=request.query_params.get("closed"),
                    max_upload_mb=_megabytes(settings.max_upload))

    async def ledger_import(request: Request) -> Response:
        return await _import(request, api=False)

    async def _import(request: Request, api: bool) -> Response:
        received = await receive_work(request, api, work.import_request_from)
        if isinstance(received, Response):
            return received
        imp, folder = received
        path = ledger_path()
        if api:
            try:
                return _json_response(await run_in_threadpool(
                    work.import_into_ledger, path, imp.inputs, imp.plan, imp.database))
            except LedgerError as e:  # locked, not a ledger, an export unreadable (ImportAborted)
                return _json_response({"error": str(e)}, 400)
            except sqlite3.Error as e:
                return _json_response({"error": f"{path}: cannot write the ledger ({e})"}, 500)
            finally:
                remove(folder)
        size = sum(i.path.stat().st_size for i in imp.inputs)
        job = jobs.start("import", lang_of(request), folder, size, lambda job: work.import_into_ledger(
            path, imp.inputs, imp.plan, imp.database, job.progress("import")))
        return RedirectResponse(f"/jobs/{job.id}", status_code=303)

    async def ledger_close(request: Request) -> Response:
        lang = lang_of(request)
        async with request.form(max_files=0, max_fields=10) as form:
            csrf, quarter = form.get("csrf"), str(form.get("quarter") or "")
        if not guard.csrf_ok(request.scope, csrf if isinstance(csrf, str) else None):
            return error_page(request, 403, t("e_csrf", lang))
        from rabiskit.ledger.closing import parse_quarter

        try:
            year, q = parse_quarter(quarter)
            plan = await run_in_threadpool(server_plan)
            done = await run_in_threadpool(work.close_ledger_quarter, ledger_path(), year, q, plan)
        except (ValueError, LedgerError) as e:
            return error_page(request, 400, str(e))
        return RedirectResponse(f"/ledger?year={year}&closed={done['period']}", status_code=303)

    async def login(request: Request) -> Response:
        lang = lang_of(request)
        if guard.password is None:
            return RedirectResponse("/", status_code=303)
        if request.method == "GET":
            return page(request, "login.html", failed=False)
        async with request.form(max_files=0, max_fields=5) as form:
            given = form.get("password")
        if not guard.password_ok(given if isinstance(given, str) else None):
            await asyncio.sleep(0.5)  # slows down guessing from the network
            return page(request, "login.html", status=403, failed=True)
        response = RedirectResponse("/?lang=" + lang, status_code=303)
        response.headers.append("set-cookie", session_cookie(guard.new_session()))
        return response

    # -- JSON --------------------------------------------------------------------------
    async def api_work(request: Request, what: str) -> Response:
        received = await receive_work(request, api=True)
        if isinstance(received, Response):
            return received
        req, folder = received
        try:
            if what == "report":
                data = (await run_in_threadpool(work.make_report, req)).data
            elif what == "count":
                data = await run_in_threadpool(work.count_data, req)
            else:
                data = await run_in_threadpool(work.audit_data, req)
        except (PeriodError, ValueError) as e:
            return _json_response({"error": str(e)}, 400)
        finally:
            remove(folder)
        return _json_response(data)

    async def api_report(request: Request) -> Response:
        return await api_work(request, "report")

    async def api_count(request: Request) -> Response:
        return await api_work(request, "count")

    async def api_audit(request: Request) -> Response:
        return await api_work(request, "audit")

    async def api_ledger(request: Request) -> Response:
        try:
            data = await run_in_threadpool(work.ledger_status_data, ledger_path())
        except (LedgerError, sqlite3.Error) as e:
            return _json_response({"error": str(e)}, 500)
        if data is None:
            return _json_response({"error": f"{ledger_path()}: no ledger there yet"}, 404)
        return _json_response(data)

    async def api_ledger_report(request: Request) -> Response:
        qp = request.query_params
        plan = await run_in_threadpool(server_plan)
        try:
            year = int(qp["year"]) if qp.get("year") else None
            quarter = int(qp["quarter"]) if qp.get("quarter") else None
            lang = qp.get("lang", "kk")
            from rabiskit.report.messages import check_lang
            check_lang(lang)
            report = await run_in_threadpool(work.ledger_report, ledger_path(), plan, year,
                                             quarter, lang)
        except (ValueError, PeriodError) as e:
            return _json_response({"error": str(e)}, 400)
        except (LedgerError, sqlite3.Error) as e:
            return _json_response({"error": str(e)}, 500)
        if report is None:
            return _json_response({"error": f"{ledger_path()}: no records in the ledger yet"}, 404)
        return _json_response(report.data)

    async def api_ledger_import(request: Request) -> Response:
        return await _import(request, api=True)

    async def api_job(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        if job is None:
            return _json_response({"error": t("job_gone", "en")}, 404)
        return _json_response(job.status())

    async def api_job_result(request: Request) -> Response:
        job = jobs.get(request.path_params["job"])
        if job is None or job.state == FAILED:
            return _json_response({"error": job.error if job else t("job_gone", "en")}, 404)
        if job.state != DONE:
            return _json_response(job.status(), 202)
        if job.kind == "import":
            return _json_response(job.result)
        a = job.result
        return _json_response({"report": a.report().data, "audit": a.audit, "count": a.count})

    async def favicon(request: Request) -> Response:
        return Response((HERE / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    async def report_css(request: Request) -> Response:
        from rabiskit.render.html import CSS
        return Response(CSS, media_type="text/css")

    async def not_found(request: Request, exc) -> Response:
        return error_page(request, getattr(exc, "status_code", 404),
                          t("e_not_found", lang_of(request)))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        try:
            yield
        finally:
            jobs.close()

    routes = [
        Route("/", index),
        Route("/run", start_report, methods=["POST"]),
        Route("/jobs/{job}", job_page),
        Route("/jobs/{job}/{what}.{fmt}", job_download),
        Route("/ledger", ledger_page),
        Route("/ledger/import", ledger_import, methods=["POST"]),
        Route("/ledger/close", ledger_close, methods=["POST"]),
        Route("/login", login, methods=["GET", "POST"]),
        Route("/api/report", api_report, methods=["POST"]),
        Route("/api/count", api_count, methods=["POST"]),
        Route("/api/audit", api_audit, methods=["POST"]),
        Route("/api/ledger", api_ledger),
        Route("/api/ledger/report", api_ledger_report),
        Route("/api/ledger/import", api_ledger_import, methods=["POST"]),
        Route("/api/jobs/{job}", api_job),
        Route("/api/jobs/{job}/result", api_job_result),
        Route("/static/report.css", report_css),
        Route("/favicon.ico", favicon),
        Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers={404: not_found, 405: not_found})
    app.state.jobs = jobs
    app.state.settings = settings
    return GuardMiddleware(app, guard)


def _audit_view(data: dict, lang: str) -> dict:
    from rabiskit.audit.findings import KINDS, kind_name

    summary = [(kind, kind_name(kind, lang), data["summary"].get(kind, 0)) for kind in KINDS]
    findings = []
    for f in data["findings"][:FINDINGS_SHOWN]:
        findings.append({"kind": kind_name(f["kind"], lang),
                         "where": t("where_record", lang, file=f["file"], record=f["record"],
                                    offset=f["offset"]),
                         "id": f.get("id") or "", "title": f.get("title") or "",
                         "field": f.get("field") or "", "evidence": f.get("evidence") or ""})
    return {"summary": summary, "findings": findings,
            "more": max(0, len(data["findings"]) - FINDINGS_SHOWN)}


def _download(analysis: work.Analysis, what: str, fmt: str, lang: str, jobs: Jobs) -> bytes:
    """The report or the audit in ``fmt``, written by the CLI's writers into a temporary
    folder and read back (the folder removed at once)."""
    folder = jobs.folder()
    try:
        target = folder / f"out.{fmt}"
        if what == "report":
            from rabiskit.render.outputs import write_output

            write_output(analysis.report(lang), target, "." + fmt)
        else:
            from rabiskit.atomic import write_atomic
            from rabiskit.audit.render import render_csv, write_xlsx

            if fmt == "xlsx":
                write_xlsx(analysis.audit, target, analysis.plan)
            elif fmt == "csv":
                write_atomic(target, "\ufeff" + render_csv(analysis.audit))
            else:
                write_atomic(target, json.dumps(analysis.audit, ensure_ascii=False, indent=2) + "\n")
        return target.read_bytes()
    finally:
        remove(folder)
