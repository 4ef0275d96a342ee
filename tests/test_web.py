"""``rabiskit serve`` over HTTP: who may use it, the JSON twins against the CLI's JSON for
the same files, uploads (limit, names), the ledger, and no temporary file left behind.

One real server (a subprocess on 127.0.0.1, as a user starts it) for the module; the
requests are real HTTP requests.  The browser side is in test_web_browser.py."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from web_server import FIXTURES, cli, start_server

AS_OF = "2026-11-29"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("serve"), "--max-upload", "1")
    yield srv
    srv.stop()


def auth(server) -> dict:
    return {"Authorization": f"Bearer {server.token}"}


def files(*names: str, field: str = "exports") -> list:
    return [(field, (n, (FIXTURES / n).read_bytes(), "application/octet-stream")) for n in names]


def cli_json(*args: str) -> dict:
    r = cli(*args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def cli_report(tmp_path, *args: str) -> dict:
    out = tmp_path / "x.json"
    r = cli("report", *args, "-o", str(out))
    assert r.returncode == 0, r.stderr
    return json.loads(out.read_text("utf-8"))


def session(server) -> tuple[requests.Session, str]:
    """A browser-like session: the printed address sets the cookie; the page's CSRF token."""
    s = requests.Session()
    r = s.get(server.url)
    assert r.status_code == 200 and r.url == server.base + "/"
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', r.text).group(1)
    return s, csrf


# -- who may use it --------------------------------------------------------------------
def test_the_first_line_is_the_address_with_a_fresh_token(server, tmp_path):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_-]{40,}", server.url)
    other = start_server(tmp_path)
    try:
        assert other.token != server.token and other.base != server.base
    finally:
        other.stop()


@pytest.mark.parametrize("path", ["/", "/ledger", "/static/rabiskit.js", "/api/ledger",
                                  "/jobs/x", "/no-such-page"])
def test_without_the_token_everything_is_refused(server, path):
    r = requests.get(server.base + path, allow_redirects=False)
    assert r.status_code == 401
    r = requests.get(server.base + path + "?token=wrong" + server.token[5:], allow_redirects=False)
    assert r.status_code == 401
    r = requests.get(server.base + path, headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_post_without_the_token_is_refused(server):
    r = requests.post(server.base + "/api/report", files=files("hostile.iso"))
    assert r.status_code == 401


def test_the_token_sets_a_strict_httponly_cookie_and_leaves_the_address(server):
    r = requests.get(server.url, allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and server.token not in cookie
    s, _ = session(server)
    assert s.get(server.base + "/ledger").status_code == 200
    assert requests.get(server.base + "/", headers=auth(server)).status_code == 200


def test_every_page_forbids_what_is_not_its_own(server):
    s, _ = session(server)
    r = s.get(server.base + "/")
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'self'") and "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text and "http://" not in r.text and "https://" not in r.text


def test_another_host_name_is_refused(server):
    # a page of another site that resolves its own name to 127.0.0.1 (DNS rebinding)
    r = requests.get(server.url, headers={"Host": "evil.example"}, allow_redirects=False)
    assert r.status_code == 403


def test_a_request_from_another_origin_is_refused(server):
    s, csrf = session(server)
    data = {"csrf": csrf, "quarter": "2026Q1"}
    for origin in ("http://evil.example", "null", server.base.replace("127.0.0.1", "localhost")):
        r = s.post(server.base + "/ledger/close", data=data, headers={"Origin": origin},
                   allow_redirects=False)
        assert r.status_code == 403, origin
    r = s.post(server.base + "/ledger/close", data=data,
               headers={"Referer": "http://evil.example/page"}, allow_redirects=False)
    assert r.status_code == 403
    r = requests.post(server.base + "/api/report", files=files("hostile.iso"),
                      headers=auth(server) | {"Origin": "http://evil.example"})
    assert r.status_code == 403


def test_a_form_needs_the_session_csrf_token(server):
    s, csrf = session(server)
    own = {"Origin": server.base}
    r = s.post(server.base + "/api/report", files=files("hostile.iso"), headers=own)
    assert r.status_code == 403
    r = s.post(server.base + "/api/report", files=[("csrf", (None, "0" * 64))]
               + files("hostile.iso"), headers=own)
    assert r.status_code == 403
    r = s.post(server.base + "/api/report", files=[("csrf", (None, csrf))]
               + files("hostile.iso"), headers=own)
    assert r.status_code == 200 and r.json()["records"]["read"] == 8
    # a cookie session's POST with neither Origin nor Referer is not a page of this server
    r = s.post(server.base + "/api/report", files=[("csrf", (None, csrf))] + files("hostile.iso"))
    assert r.status_code == 403


# -- the JSON twins ----------------------------------------------------------------------
def test_api_report_is_the_cli_json(server, tmp_path):
    form = {"quarter": "1", "lang": "en", "as_of": AS_OF, "db": "local_lore:local-lore.iso"}
    r = requests.post(server.base + "/api/report", headers=auth(server), data=form,
                      files=files("unimarc-utf8.iso", "local-lore.iso", "damaged.iso"))
    assert r.status_code == 200, r.text
    expected = cli_report(tmp_path, "unimarc-utf8.iso", "--db", "local_lore", "local-lore.iso",
                          "damaged.iso", "--quarter", "1", "--lang", "en", "--as-of", AS_OF)
    assert r.json() == expected
    # from the fixtures' generator (truth.json): Q1 2026 has 58 + 13 + 8 new records, the
    # 13 of the local-lore database all local lore
    assert r.json()["quarters"]["1"]["total"]["total"] == 58 + 13 + 8
    assert r.json()["quarters"]["1"]["levels"]["local_lore"]["total"] == 13


def test_api_report_year_to_date_with_an_uploaded_plan(server, tmp_path):
    plan = FIXTURES / "plan-2026.toml"
    form = {"year": "2026", "lang": "kk", "as_of": AS_OF}
    r = requests.post(server.base + "/api/report", headers=auth(server), data=form,
                      files=files("unimarc-utf8.iso", "marc21-utf8.mrc")
                      + [("plan", ("plan-2026.toml", plan.read_bytes(), "application/toml"))])
    assert r.status_code == 200, r.text
    expected = cli_report(tmp_path, "unimarc-utf8.iso", "marc21-utf8.mrc", "--plan",
                          "plan-2026.toml", "--year", "2026", "--lang", "kk", "--as-of", AS_OF)
    assert r.json() == expected
    assert r.json()["header"]["plan"]["source"] == "plan-2026.toml"
    assert r.json()["year_to_date"]["quarters"] == [1, 2, 3, 4]


def test_api_report_of_irbis_exports_names_the_cataloguers(server, tmp_path):
    irbis = FIXTURES / "irbis"
    names = ("irbis-utf8.txt", "irbis-native-cp1251.iso")
    r = requests.post(server.base + "/api/report", headers=auth(server),
                      data={"lang": "ru", "as_of": AS_OF},
                      files=[("exports", (n, (irbis / n).read_bytes(), "text/plain"))
                             for n in names])
    assert r.status_code == 200, r.text
    out = tmp_path / "x.json"
    done = cli("report", *names, "--lang", "ru", "--as-of", AS_OF, "-o", str(out), cwd=irbis)
    assert done.returncode == 0, done.stderr
    assert r.json() == json.loads(out.read_text("utf-8"))
    assert [f["format"] for f in r.json()["header"]["files"]] == ["irbis_text", "iso2709"]
    assert set(r.json()["operators"]) - {"unknown"}  # IRBIS 907 ^B names the cataloguers


def test_api_count_and_audit_are_the_cli_json(server):
    form = {"quarter": "2", "as_of": AS_OF, "db": "local_lore:local-lore.iso"}
    names = ("unimarc-utf8.iso", "local-lore.iso", "hostile.iso")
    r = requests.post(server.base + "/api/count", headers=auth(server), data=form,
                      files=files(*names))
    assert r.status_code == 200, r.text
    assert r.json() == cli_json("count", "unimarc-utf8.iso", "hostile.iso", "--db", "local_lore",
                                "local-lore.iso", "--quarter", "2", "--format", "json")
    r = requests.post(server.base + "/api/audit", headers=auth(server), data=form,
                      files=files(*names))
    assert r.status_code == 200, r.text
    assert r.json() == cli_json("audit", "unimarc-utf8.iso", "hostile.iso", "--db", "local_lore",
                                "local-lore.iso", "--quarter", "2", "--today", AS_OF,
                                "--format", "json")


def test_api_errors_are_one_plain_line(server):
    r = requests.post(server.base + "/api/report", headers=auth(server),
                      data={"db": "nonsense:unimarc-utf8.iso"}, files=files("unimarc-utf8.iso"))
    assert r.status_code == 400 and "unknown level 'nonsense'" in r.json()["error"]
    r = requests.post(server.base + "/api/report", headers=auth(server),
                      data={"quarter": "5"}, files=files("unimarc-utf8.iso"))
    assert r.status_code == 400 and "quarter 5" in r.json()["error"]
    r = requests.post(server.base + "/api/report", headers=auth(server), data={"year": "2026"})
    assert r.status_code == 400
    r = requests.post(server.base + "/api/report", headers=auth(server),
                      files=[("plan", ("mine.toml", b"[broken", "text/plain"))]
                      + files("unimarc-utf8.iso"))
    assert r.status_code == 400 and r.json()["error"].startswith("mine.toml")


def test_uploaded_names_are_display_names_never_paths(server):
    data = (FIXTURES / "hostile.iso").read_bytes()
    r = requests.post(server.base + "/api/count", headers=auth(server),
                      files=[("exports", ("../../etc/x<b>.iso", data, "application/octet-stream"))])
    assert r.status_code == 200, r.text
    assert [f["file"] for f in r.json()["files"]] == ["x<b>.iso"]
    assert not list(server.tmp.rglob("x<b>.iso")) and not (FIXTURES.parent / "etc").exists()


def test_too_large_an_upload_gets_a_clear_answer(server):
    big = b"\x1d" * (1 << 20) + b"x" * 1000
    r = requests.post(server.base + "/api/report?lang=en", headers=auth(server),
                      files=[("exports", ("big.iso", big, "application/octet-stream"))])
    assert r.status_code == 413
    assert "1 MB" in r.json()["error"] and "--max-upload" in r.json()["error"]
    # the same through the page, in Russian
    s, csrf = session(server)
    r = s.post(server.base + "/run?lang=ru", headers={"Origin": server.base},
               files=[("csrf", (None, csrf)), ("exports", ("big.iso", big, "x/y"))])
    assert r.status_code == 413 and "слишком велики" in r.text and "1 МБ" in r.text


def test_the_work_leaves_no_upload_behind(server):
    r = requests.post(server.base + "/api/count", headers=auth(server),
                      files=files("hostile.iso"))
    assert r.status_code == 200
    roots = list(server.tmp.iterdir())
    assert len(roots) == 1 and roots[0].name.startswith("rabiskit-serve-")
    assert list(roots[0].iterdir()) == []


def test_the_page_s_work_runs_as_a_job_whose_json_is_the_report(server):
    form = {"quarter": "1", "lang": "ru", "as_of": AS_OF, "db": "local_lore:local-lore.iso"}
    r = requests.post(server.base + "/run", headers=auth(server), data=form,
                      files=files("unimarc-utf8.iso", "local-lore.iso"), allow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job = r.headers["location"].rsplit("/", 1)[1]
    status = requests.get(f"{server.base}/api/jobs/{job}", headers=auth(server)).json()
    while status["state"] == "running":
        assert 0 <= status["done"] <= status["total"]
        time.sleep(0.05)
        status = requests.get(f"{server.base}/api/jobs/{job}", headers=auth(server)).json()
    assert status["state"] == "done" and status["done"] == status["total"] > 0
    result = requests.get(f"{server.base}/api/jobs/{job}/result", headers=auth(server)).json()
    direct = requests.post(server.base + "/api/report", headers=auth(server), data=form,
                           files=files("unimarc-utf8.iso", "local-lore.iso")).json()
    assert result["report"] == direct
    assert result["count"]["total"]["total"] == direct["quarters"]["1"]["total"]["total"]
    assert set(result["audit"]) >= {"summary", "findings", "kazakh_share"}
    page = requests.get(f"{server.base}/jobs/{job}?lang=ru", headers=auth(server))
    assert page.status_code == 200 and 'data-table="catalogue"' in page.text
    xlsx = requests.get(f"{server.base}/jobs/{job}/report.xlsx", headers=auth(server))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert "attachment" in xlsx.headers["content-disposition"]
    audit = requests.get(f"{server.base}/jobs/{job}/audit.json", headers=auth(server))
    assert audit.json() == result["audit"]
    assert requests.get(f"{server.base}/jobs/{job}/report.exe", headers=auth(server)
                        ).status_code == 404


# -- the ledger ----------------------------------------------------------------------------
def test_the_ledger_from_the_page_is_the_cli_ledger(server, tmp_path):
    r = requests.get(server.base + "/api/ledger", headers=auth(server))
    assert r.status_code == 404  # nothing imported yet
    r = requests.post(server.base + "/api/ledger/import", headers=auth(server),
                      data={"db": "local_lore:local-lore.iso"},
                      files=files("unimarc-utf8.iso", "local-lore.iso"))
    assert r.status_code == 200, r.text
    imported = r.json()
    assert imported["records"] == 301 + 40
    by_cli = cli_json("import", "unimarc-utf8.iso", "--db", "local_lore", "local-lore.iso",
                      "--ledger", str(tmp_path / "cli.sqlite"), "--format", "json")
    assert imported | {"ledger": None} == by_cli | {"ledger": None}
    assert [f["file"] for f in imported["files"]] == ["unimarc-utf8.iso", "local-lore.iso"]
    status = requests.get(server.base + "/api/ledger", headers=auth(server)).json()
    assert status == cli_json("ledger", "status", "--ledger", str(server.ledger), "--format", "json")
    # close Q1 from the page (a form: cookie, CSRF token, same origin)
    s, csrf = session(server)
    r = s.post(server.base + "/ledger/close", data={"csrf": csrf, "quarter": "2026Q1"},
               headers={"Origin": server.base}, allow_redirects=False)
    assert r.status_code == 303 and "closed=2026Q1" in r.headers["location"]
    # the next export of the year: the hostile records are new, Q1 stays as handed in
    r = requests.post(server.base + "/api/ledger/import", headers=auth(server),
                      files=files("hostile.iso"))
    assert r.status_code == 200, r.text
    report = requests.get(server.base + "/api/ledger/report?lang=ru", headers=auth(server))
    assert report.status_code == 200, report.text
    expected = cli_report(tmp_path, "--ledger", str(server.ledger), "--lang", "ru")
    assert report.json() == expected
    assert report.json()["quarters"]["1"]["closed"] is True
    page = s.get(server.base + "/ledger?lang=ru")
    assert "2026Q1" in page.text and 'data-table="catalogue"' in page.text


def test_temporary_files_are_removed_when_the_server_stops(server):
    server.stop()
    assert server.proc.returncode is not None
    assert list(server.tmp.iterdir()) == []


# -- other addresses: only with a password ----------------------------------------------
def test_other_addresses_need_a_password_file(tmp_path):
    r = cli("serve", "--host", "0.0.0.0", "--port", "0", "--no-browser")
    assert r.returncode == 2 and "--password-file" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    short = tmp_path / "short.txt"
    short.write_text("abc\n", "utf-8")
    r = cli("serve", "--host", "0.0.0.0", "--port", "0", "--no-browser", "--password-file",
            str(short))
    assert r.returncode == 2 and "at least 8 characters" in r.stderr


def test_with_a_password_the_page_asks_for_it(tmp_path):
    secret = tmp_path / "password.txt"
    secret.write_text("kitaphana-2026\n", "utf-8")
    # 127.0.0.2: another address of this machine, as a library's network address would be
    srv = start_server(tmp_path, "--host", "127.0.0.2", "--password-file", str(secret),
                       address="http://127.0.0.2:")
    try:
        r = requests.get(srv.base + "/", allow_redirects=False)
        assert r.status_code == 401 and 'href="/login"' in r.text
        assert requests.get(srv.base + "/login").status_code == 200
        s = requests.Session()
        r = s.post(srv.base + "/login", data={"password": "wrong-one"},
                   headers={"Origin": srv.base})
        assert r.status_code == 403
        assert s.get(srv.base + "/", allow_redirects=False).status_code == 401
        r = s.post(srv.base + "/login", data={"password": "kitaphana-2026"},
                   headers={"Origin": srv.base}, allow_redirects=False)
        assert r.status_code == 303 and "HttpOnly" in r.headers["set-cookie"]
        assert s.get(srv.base + "/ledger").status_code == 200
        # the printed token works too (the person at the server's own keyboard)
        assert requests.get(srv.url).status_code == 200
    finally:
        srv.stop()
    assert list(srv.tmp.iterdir()) == []


def test_a_file_that_is_not_a_ledger_is_one_plain_line(tmp_path):
    srv = start_server(tmp_path)
    try:
        srv.ledger.write_bytes(b"not a ledger at all, just text\n" * 100)
        r = requests.get(srv.base + "/api/ledger", headers=auth(srv))
        assert r.status_code == 500 and str(srv.ledger) in r.json()["error"]
        assert "\n" not in r.json()["error"]
        r = requests.get(srv.base + "/ledger?lang=en", headers=auth(srv))
        assert r.status_code == 500 and str(srv.ledger) in r.text and "Traceback" not in r.text
    finally:
        srv.stop()
    assert srv.ledger.read_bytes().startswith(b"not a ledger")  # never overwritten


def test_the_other_commands_do_not_load_the_web_stack():
    code = ("import sys; sys.argv = ['rabiskit', 'count', sys.argv[1], '--format', 'json']\n"
            "from rabiskit.cli.main import run\n"
            "try:\n    run()\nexcept SystemExit:\n    pass\n"
            "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in "
            "('starlette', 'uvicorn', 'jinja2', 'python_multipart') or "
            "m.startswith('rabiskit.web')), file=sys.stderr)")
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", code, str(FIXTURES / "hostile.iso")],
                       capture_output=True, text=True, encoding="utf-8", cwd=FIXTURES.parent)
    assert '"records"' in r.stdout and "LOADED []" in r.stderr, r.stderr
