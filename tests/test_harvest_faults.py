"""Harvesting through faults, against small misbehaving servers on 127.0.0.1 (tests/servers/faults.py).

Dropped connections, 503 with Retry-After, truncated XML, HTML error pages, a rejected
resumption token, overlapping pages and entity tricks: the harvest either gets through
(retrying) or stops with a clear error, keeping what it has so a second run completes it
with every record exactly once, in order.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pymarc
import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.faults import FaultServer  # noqa: E402
from servers.records import assert_same_records, make_records, record_xml  # noqa: E402

from rabiskit.cli.main import app  # noqa: E402
from rabiskit.harvest import (Diagnostic, HttpClient, HttpPolicy, ProtocolError, ServerUnreachable,  # noqa: E402
                              harvest_oai_to_file, harvest_sru_to_file, iter_oai_pages, iter_sru_records)

RECORDS = make_records(20)
SLIM = [record_xml(r).decode("utf-8").replace("<record>", '<record xmlns="http://www.loc.gov/MARC21/slim">', 1)
        for r in RECORDS]
ALL = "cql.allRecords=1"


def fast_client(retries: int = 3, **policy) -> HttpClient:
    return HttpClient(policy=HttpPolicy(retries=retries, backoff=0.01, read_timeout=10, **policy))


@pytest.fixture
def sru():
    server = FaultServer(SLIM, "sru", page_size=5)
    yield server
    server.stop()


def marc_prefixed(record: str) -> str:
    """The record with a 'marc:' prefix on every element, as some OAI-PMH servers send MARCXML."""
    record = record.replace('<record xmlns="', '<record xmlns:marc="', 1)
    return re.sub(r"<(/?)(record|leader|controlfield|datafield|subfield)\b", r"<\1marc:\2", record)


@pytest.fixture
def oai():
    # every 4th record is deleted on the server
    records = [None if i % 4 == 3 else marc_prefixed(s) for i, s in enumerate(SLIM)]
    server = FaultServer(records, "oai", page_size=6)
    yield server
    server.stop()


def cli(*args: str):
    return CliRunner().invoke(app, ["harvest", *args, "--backoff", "0.01", "--quiet"])


def test_dropped_connection_is_retried(sru, tmp_path):
    sru.faults["6"] = ["drop"]
    sru.faults["11"] = ["close"]
    client = fast_client()
    result = harvest_sru_to_file(client, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.records == 20
    assert sru.requests_for("6") == 2 and sru.requests_for("11") == 2
    reasons = [w.reason for w in client.waits]
    assert any("dropped in the middle" in r for r in reasons)
    assert any("closed the connection" in r for r in reasons)
    assert_same_records(RECORDS, tmp_path / "out.xml")


def test_503_with_retry_after_is_waited_for(sru, tmp_path):
    sru.faults["1"] = ["503"]
    sru.faults["16"] = ["503"]
    client = fast_client()
    result = harvest_sru_to_file(client, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.records == 20
    retry_after = [w for w in client.waits if w.reason.startswith("Retry-After")]
    assert [w.seconds for w in retry_after] == [1.0, 1.0]
    assert "503" in retry_after[0].reason
    assert sru.requests_for("1") == 2 and sru.requests_for("16") == 2
    assert_same_records(RECORDS, tmp_path / "out.xml")


def test_too_long_retry_after_stops_at_once(sru, tmp_path):
    sru.retry_after = "3600"
    sru.sticky["1"] = "503"
    with pytest.raises(ServerUnreachable, match="asks to wait 3600 s"):
        harvest_sru_to_file(fast_client(), sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert sru.requests_for("1") == 1
    assert list(tmp_path.iterdir()) == []


def test_truncated_xml_once_is_fetched_again(sru, tmp_path):
    sru.faults["11"] = ["truncate"]
    client = fast_client()
    result = harvest_sru_to_file(client, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.records == 20
    assert sru.requests_for("11") == 2
    assert any("broken XML" in w.reason for w in client.waits)
    assert_same_records(RECORDS, tmp_path / "out.xml")


def test_truncated_xml_for_good_stops_then_resumes(sru, tmp_path):
    output = tmp_path / "out.xml"
    sru.sticky["11"] = "truncate"
    first = cli("sru", sru.url, "--query", ALL, "--batch", "5", "-o", str(output), "--retries", "2")
    assert first.exit_code == 1
    assert "broken XML" in first.output
    assert "10 records harvested so far are kept" in first.output
    assert "Traceback" not in first.output
    state = json.loads((tmp_path / "out.xml.harvest.json").read_text(encoding="utf-8"))
    assert state["next"] == 11 and state["records"] == 10
    assert not output.exists()
    assert sru.requests_for("11") == 3  # retries + 1

    del sru.sticky["11"]  # the server is repaired
    second = cli("sru", sru.url, "--query", ALL, "--batch", "5", "-o", str(output))
    assert second.exit_code == 0, second.output
    assert "Harvested 20 records" in second.output and "continued" in second.output
    assert sru.requests_for("1") == 1 and sru.requests_for("6") == 1  # pages 1-2 never asked again
    assert_same_records(RECORDS, output)


def test_connection_dropped_for_good_is_exit_2_then_resumes(sru, tmp_path):
    output = tmp_path / "out.xml"
    sru.sticky["16"] = "drop"
    first = cli("sru", sru.url, "--query", ALL, "--batch", "5", "-o", str(output), "--retries", "1")
    assert first.exit_code == 2
    assert "dropped in the middle of the answer" in first.output
    assert "15 records harvested so far are kept" in first.output
    del sru.sticky["16"]
    second = cli("sru", sru.url, "--query", ALL, "--batch", "5", "-o", str(output))
    assert second.exit_code == 0, second.output
    assert_same_records(RECORDS, output)


def test_server_errors_exhaust_the_retries(sru, tmp_path):
    sru.sticky["1"] = "500"
    client = fast_client(retries=2)
    with pytest.raises(ServerUnreachable, match=r"HTTP 500.*\(3 tries\)"):
        list(iter_sru_records(client, sru.url, ALL, batch=5))
    assert sru.requests_for("1") == 3
    assert [round(w.seconds, 3) for w in client.waits] == [0.01, 0.02]  # backoff doubles


def test_html_page_is_not_taken_for_records(sru):
    sru.sticky["1"] = "html"
    with pytest.raises(ProtocolError, match="web page"):
        list(iter_sru_records(fast_client(), sru.url, ALL, batch=5))
    assert sru.requests_for("1") == 1


def test_not_found_is_exit_2_without_retries(sru, tmp_path):
    sru.sticky["1"] = "404"
    result = cli("sru", sru.url, "--query", ALL, "-o", str(tmp_path / "out.xml"))
    assert result.exit_code == 2
    assert "HTTP 404" in result.output and "Traceback" not in result.output
    assert sru.requests_for("1") == 1


def test_overlapping_page_never_writes_a_record_twice(sru, tmp_path):
    sru.faults["6"] = ["overlap"]  # the server answers from record 5 when asked for 6
    result = harvest_sru_to_file(fast_client(), sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.duplicates == 1
    assert result.records == 20
    assert_same_records(RECORDS, tmp_path / "out.xml")


def test_entities_are_not_expanded(sru, tmp_path):
    sru.faults["1"] = ["entities"]
    result = harvest_sru_to_file(fast_client(), sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.records == 20
    text = (tmp_path / "out.xml").read_text(encoding="utf-8")
    hostname = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else None
    if hostname:
        assert hostname not in text
    assert "lollollol" not in text
    first = pymarc.parse_xml_to_array(str(tmp_path / "out.xml"))[0]
    assert first["009"].data == "&secret;&lol3;"  # kept as literal text, never resolved


def test_rejected_resumption_token_is_a_clear_error(oai, tmp_path):
    output = tmp_path / "oai.xml"
    oai.sticky["page-3"] = "badtoken"
    first = cli("oai", oai.url, "--prefix", "marc21", "-o", str(output))
    assert first.exit_code == 1
    assert "badResumptionToken" in first.output and "--restart" in first.output
    assert "Traceback" not in first.output
    state = json.loads((tmp_path / "oai.xml.harvest.json").read_text(encoding="utf-8"))
    assert state["next"] == "page-3" and state["pages"] == 2

    # the token stays refused: --restart harvests again from the start
    del oai.sticky["page-3"]
    again = cli("oai", oai.url, "--prefix", "marc21", "-o", str(output), "--restart")
    assert again.exit_code == 0, again.output
    live = [r for i, r in enumerate(RECORDS) if i % 4 != 3]
    assert f"Harvested {len(live)} records" in again.output
    assert "5 deleted on the server (not written)" in again.output
    assert_same_records(live, output)


def test_oai_faults_and_prefixed_marc(oai, tmp_path):
    oai.faults[""] = ["503", "truncate"]
    oai.faults["page-2"] = ["drop"]
    client = fast_client()
    result = harvest_oai_to_file(client, oai.url, "marc21", tmp_path / "oai.xml")
    assert result.records == 15 and result.deleted == 5 and result.total == 20
    assert oai.requests_for("") == 3 and oai.requests_for("page-2") == 2
    assert_same_records([r for i, r in enumerate(RECORDS) if i % 4 != 3], tmp_path / "oai.xml")


def test_bad_token_from_the_iterator(oai):
    oai.sticky["page-2"] = "badtoken"
    with pytest.raises(Diagnostic) as caught:
        list(iter_oai_pages(fast_client(), oai.url, "marc21"))
    assert caught.value.code == "badResumptionToken"


def test_overlap_across_a_resume_is_caught_from_the_partial_file(sru, tmp_path):
    output = tmp_path / "out.xml"

    def stop_after_two_pages(done, total):
        if done >= 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_sru_to_file(fast_client(), sru.url, ALL, output, batch=5, progress=stop_after_two_pages)
    sru.faults["11"] = ["overlap"]  # after the restart the server answers from record 10
    result = harvest_sru_to_file(fast_client(), sru.url, ALL, output, batch=5)
    assert result.resumed and result.duplicates == 1 and result.records == 20
    assert_same_records(RECORDS, output)


def test_records_without_namespace_are_put_in_the_slim_namespace(tmp_path):
    server = FaultServer([record_xml(r).decode("utf-8") for r in RECORDS], "sru", page_size=7)
    try:
        result = harvest_sru_to_file(fast_client(), server.url, ALL, tmp_path / "out.xml", batch=7)
    finally:
        server.stop()
    assert result.records == 20
    assert_same_records(RECORDS, tmp_path / "out.xml")


def test_rate_limit_spaces_the_requests(sru, tmp_path):
    client = fast_client(min_interval=0.2)
    result = harvest_sru_to_file(client, sru.url, ALL, tmp_path / "out.xml", batch=5)
    assert result.records == 20
    gaps = [b - a for a, b in zip(client.sent_at, client.sent_at[1:])]
    assert len(gaps) == 3
    assert all(gap >= 0.2 - 1e-3 for gap in gaps)
    assert any(w.reason == "rate limit" for w in client.waits)
