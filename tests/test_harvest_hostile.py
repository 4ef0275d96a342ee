"""Hostile harvest servers on 127.0.0.1 (tests/servers/faults.py): endless pages with
nothing new, a body dripped one byte at a time, answers of hundreds of megabytes, a gzip
bomb, redirects to file:// and ftp://, and megabyte-long tokens and error texts.

Each harvest stops by itself with one clear line (and no retry where a retry cannot help);
what was harvested is kept and a second run resumes it.  The servers are bounded in
requests and lifetime, and every command runs under a subprocess timeout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conftest import REPO  # noqa: E402
from servers.faults import FaultServer  # noqa: E402
from servers.records import assert_same_records, make_records, record_xml  # noqa: E402

from rabiskit.cli.main import app  # noqa: E402
from rabiskit.harvest import (HttpClient, HttpPolicy, ResponseTooLarge, ServerUnreachable,  # noqa: E402
                              Stalled, harvest_oai_to_file, harvest_sru_to_file)
from rabiskit.harvest.state import load_state, state_path  # noqa: E402

RECORDS = make_records(12)
SLIM = [record_xml(r).decode("utf-8").replace("<record>", '<record xmlns="http://www.loc.gov/MARC21/slim">', 1)
        for r in RECORDS]
ALL = "cql.allRecords=1"
TIMEOUT = 120  # seconds for any one command here


def client(retries: int = 2, **policy) -> HttpClient:
    policy.setdefault("read_timeout", 10)
    return HttpClient(policy=HttpPolicy(retries=retries, backoff=0.01, **policy))


@pytest.fixture
def sru():
    server = FaultServer(SLIM, "sru", page_size=5, max_requests=100, lifetime=100)
    yield server
    server.stop()


@pytest.fixture
def oai():
    server = FaultServer(SLIM, "oai", page_size=5, max_requests=100, lifetime=100)
    yield server
    server.stop()


def cli(*args: str):
    return CliRunner().invoke(app, ["harvest", *args, "--backoff", "0.01", "--quiet"])


# -- 16: pages that bring nothing new ------------------------------------------------------
def test_oai_new_tokens_without_records_stop_after_a_few_pages_then_resume(oai, tmp_path):
    oai.after_last = "empty"  # past record 12: a fresh resumption token and no record, forever
    out = tmp_path / "out.xml"
    c = client()
    with pytest.raises(Stalled, match="3 pages in a row without a new record") as info:
        harvest_oai_to_file(c, oai.url, "marc21", out, max_empty_pages=3)
    assert "12 record(s) harvested" in str(info.value)
    # pages 1-3 hold 5 + 5 + 2 records, pages 4-6 nothing: six requests, then stop
    assert c.requests_made == 6
    state = load_state(state_path(out))
    assert state.records == 12 and state.pages == 6 and state.next == "page-7"
    # the server comes to its senses: the same command resumes and completes
    oai.after_last = None
    result = harvest_oai_to_file(client(), oai.url, "marc21", out, max_empty_pages=3)
    assert result.resumed and result.records == 12 and result.duplicates == 0
    assert_same_records(RECORDS, out)
    assert not state_path(out).exists()


def test_oai_only_records_already_harvested_stop(oai, tmp_path):
    oai.after_last = "repeat"  # past record 12: records 1-5 again with a new token, forever
    out = tmp_path / "out.xml"
    r = cli("oai", oai.url, "--prefix", "marc21", "-o", str(out), "--max-empty-pages", "2")
    assert r.exit_code == 1, r.output
    assert "2 pages in a row without a new record" in r.output
    assert "12 records harvested so far are kept in out.xml.part" in r.output
    assert "Traceback" not in r.output
    assert len(oai.log) == 5  # 3 pages with records, 2 with repeats only
    assert load_state(state_path(out)).duplicates == 10


def test_default_stops_within_a_few_pages(oai, tmp_path):
    oai.after_last = "empty"
    r = cli("oai", oai.url, "--prefix", "marc21", "-o", str(tmp_path / "out.xml"))
    assert r.exit_code == 1, r.output
    assert "5 pages in a row without a new record" in r.output
    assert len(oai.log) == 3 + 5  # never the server's 100


def test_sru_position_advancing_without_records_stops(sru, tmp_path):
    sru.after_last = "empty"  # claims 10**9 records; past record 12 sends none, positions advance
    out = tmp_path / "out.xml"
    c = client()
    with pytest.raises(Stalled, match="record position 28"):
        harvest_sru_to_file(c, sru.url, ALL, out, batch=5, max_empty_pages=3)
    assert [cursor for cursor, _ in sru.log] == ["1", "6", "11", "13", "18", "23"]
    assert load_state(state_path(out)).records == 12


def test_sru_repeated_records_at_advancing_positions_stop(sru, tmp_path):
    sru.after_last = "repeat"
    out = tmp_path / "out.xml"
    r = cli("sru", sru.url, "--query", ALL, "-o", str(out), "--batch", "5", "--max-empty-pages", "3")
    assert r.exit_code == 1, r.output
    assert "3 pages in a row without a new record" in r.output
    assert len(sru.log) == 6


def test_pages_of_deleted_records_are_not_a_stall(tmp_path):
    """Three pages in a row of deleted records (new ones) are progress, not a loop."""
    records = [SLIM[0], SLIM[1], None, None, None, None, None, None, SLIM[2], SLIM[3]]
    server = FaultServer(records, "oai", page_size=2, max_requests=50, lifetime=60)
    try:
        result = harvest_oai_to_file(client(), server.url, "marc21", tmp_path / "out.xml",
                                     max_empty_pages=2)
    finally:
        server.stop()
    assert (result.records, result.deleted, result.pages) == (4, 6, 5)


# -- 17: a whole deadline per request -------------------------------------------------------
def test_dripping_server_is_cut_off_at_the_deadline(sru, tmp_path):
    sru.sticky["1"] = "drip"  # one byte every 0.2 s: a 5-record page would take about 20 minutes
    body = sru.sru_page(1, None)
    c = client(retries=1, read_timeout=1.0)
    with pytest.raises(ServerUnreachable, match=r"the whole answer did not come within 1 s \(2 tries\)"):
        harvest_sru_to_file(c, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.requests_for("1") == 2
    assert sru.bytes_sent < len(body)  # neither try got the whole answer


def test_status_line_and_headers_dripped_are_cut_off_too(sru, tmp_path):
    """Socket timeouts bound each read only: a server dripping even its headers (about
    300 bytes, a minute at 0.2 s a byte) is still cut off at the request's deadline."""
    sru.sticky["1"] = "drip_all"
    c = client(retries=0, read_timeout=1.0)
    with pytest.raises(ServerUnreachable, match=r"the whole answer did not come within 1 s \(1 try\)"):
        harvest_sru_to_file(c, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.bytes_sent < 250  # the headers alone are longer


def test_dripping_server_from_the_command_line(sru, tmp_path):
    sru.sticky["1"] = "drip"
    r = cli("sru", sru.url, "--query", ALL, "-o", str(tmp_path / "out.xml"), "--timeout", "1",
            "--retries", "0")
    assert r.exit_code == 2, r.output
    assert "the whole answer did not come within 1 s (1 try)" in r.output
    assert not (tmp_path / "out.xml").exists() and not (tmp_path / "out.xml.part").exists()


# -- 18: a cap on the answer's size ---------------------------------------------------------
def test_huge_answer_stops_at_the_cap_and_is_not_retried(sru, tmp_path):
    sru.faults["1"] = ["huge"]  # 200 MB, made as it is sent
    c = client(max_response=1024 * 1024)
    with pytest.raises(ResponseTooLarge, match="larger than 1 MB"):
        harvest_sru_to_file(c, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.requests_for("1") == 1 and c.requests_made == 1
    assert sru.bytes_sent < 100 * 1024 * 1024  # the client hung up long before the end


def test_announced_huge_answer_is_refused_before_reading(sru, tmp_path):
    sru.faults["1"] = ["huge_length"]
    c = client(max_response=1024 * 1024)
    with pytest.raises(ResponseTooLarge):
        harvest_sru_to_file(c, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.requests_for("1") == 1


def test_gzip_bomb_is_counted_unpacked_and_not_retried(sru, tmp_path):
    sru.bomb_size = 100 * 1024 * 1024  # about 100 KB on the wire
    sru.faults["1"] = ["gzipbomb"]
    wire = len(sru.gzip_bomb()[0])
    assert wire < 1024 * 1024
    c = client(max_response=4 * 1024 * 1024)
    with pytest.raises(ResponseTooLarge, match="larger than 4 MB"):
        harvest_sru_to_file(c, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.requests_for("1") == 1


def test_a_gzipped_answer_under_the_cap_is_read(sru, tmp_path):
    """The cap is not a refusal of compression: a small bomb under the cap parses (it is
    well-formed XML without records, so the SRU check then says what is missing)."""
    sru.bomb_size = 2 * 1024 * 1024
    sru.faults["1"] = ["gzipbomb"]
    with pytest.raises(Exception, match="numberOfRecords"):
        harvest_sru_to_file(client(max_response=4 * 1024 * 1024), sru.url, ALL, tmp_path / "o.xml")


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory of a child via wait4 (POSIX)")
@pytest.mark.parametrize("fault", ["huge", "gzipbomb"])
def test_memory_stays_small_with_the_default_cap(sru, tmp_path, fault):
    """The command with its default cap (64 MB) against a 200 MB answer and a 1 GB gzip
    bomb: one request, exit 2, and the process never holds the answer several times."""
    sru.huge_size = 200 * 1024 * 1024
    sru.bomb_size = 1024 * 1024 * 1024
    sru.faults["1"] = [fault]
    if fault == "gzipbomb":
        sru.gzip_bomb()  # made before the command runs
    err_file = tmp_path / "stderr.txt"
    with open(err_file, "wb") as err_out:
        proc = subprocess.Popen([sys.executable, "-m", "rabiskit", "harvest", "sru", sru.url, "--query",
                                 ALL, "-o", str(tmp_path / "out.xml"), "--quiet"], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=err_out)
        timer = threading.Timer(TIMEOUT, proc.kill)  # bounded: a hang fails, never blocks
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak memory
        finally:
            timer.cancel()
    err = err_file.read_text(encoding="utf-8", errors="replace")
    assert os.waitstatus_to_exitcode(status) == 2, err
    assert "larger than 64 MB" in err
    assert sru.requests_for("1") == 1
    peak = usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024)
    print(f"{fault}: peak memory {peak / 1048576:.0f} MB, {sru.bytes_sent / 1048576:.1f} MB sent")
    assert peak < 400 * 1024 * 1024, f"peak memory {peak / 1048576:.0f} MB"


# -- 18: redirects and long server texts ----------------------------------------------------
@pytest.mark.parametrize("fault, target", [("redirect_file", "file:///etc/passwd"),
                                           ("redirect_ftp", "ftp://127.0.0.1:21/catalogue.xml")])
def test_redirect_away_from_the_web_blames_the_redirect(sru, tmp_path, fault, target):
    sru.sticky["1"] = fault
    out = tmp_path / "out.xml"
    r = cli("sru", sru.url, "--query", ALL, "-o", str(out))
    assert r.exit_code == 2, r.output
    assert f"redirected the request to {target}, which is not a web address" in r.output
    assert "cannot write" not in r.output and str(out) not in r.output
    assert sru.requests_for("1") == 1  # not retried


def test_megabyte_resumption_token_gives_a_short_line(oai, tmp_path):
    oai.faults[""] = ["longtoken"]  # the first page's token is 1 MB long
    out = tmp_path / "out.xml"
    r = cli("oai", oai.url, "--prefix", "marc21", "-o", str(out), "--retries", "0")
    assert r.exit_code != 0 and "Traceback" not in r.output
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert all(len(ln) < 1000 for ln in lines), [len(ln) for ln in lines]
    assert "…" in r.output  # the server's text was cut, and says so
    assert load_state(state_path(out)).records == 5  # the first page is kept


def test_megabyte_error_text_gives_a_short_line(oai, tmp_path):
    oai.faults[""] = ["longerror"]
    r = cli("oai", oai.url, "--prefix", "marc21", "-o", str(tmp_path / "out.xml"))
    assert r.exit_code == 1, r.output[:500]
    [line] = [ln for ln in r.output.splitlines() if ln.strip()]
    assert line.startswith("rabiskit: OAI-PMH error badArgument: no such argument")
    assert len(line) < 400 and "characters)" in line


def test_state_file_of_a_stalled_harvest_is_json(oai, tmp_path):
    """What the stalled harvest leaves is the ordinary state file (a resume reads it)."""
    oai.after_last = "empty"
    out = tmp_path / "out.xml"
    r = cli("oai", oai.url, "--prefix", "marc21", "-o", str(out), "--max-empty-pages", "1")
    assert r.exit_code == 1
    data = json.loads(state_path(out).read_text(encoding="utf-8"))
    assert data["records"] == 12 and data["next"] == "page-5"
