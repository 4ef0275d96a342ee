"""OAI-PMH harvesting against a real OAI-PMH server implementation on 127.0.0.1.

The server is ``oaipmh.server.Server`` from PyPI's ``oaipmh`` (the maintained fork of pyoai;
pyoai 2.5.0 cannot decode its own resumption tokens on Python >= 3.8).

The repository holds 23 MARC 21 records, 4 of them deleted, in the sets 'kaz' and
'rus', with datestamps over 2024; the server hands them out 4 per page, so a full harvest
follows 5 resumption tokens.  Deleted records are counted, never written.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime
from pathlib import Path

import pymarc
import pytest
from lxml import etree
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.records import assert_same_records, make_records  # noqa: E402

from rabiskit.cli.main import app  # noqa: E402
from rabiskit.harvest import (Diagnostic, HttpClient, HttpPolicy, ProtocolError, harvest_oai_to_file,  # noqa: E402
                              iter_oai_pages, iter_oai_records)

try:
    from servers.oai_server import Item, MemoryRepository, RunningOai
except ImportError as exc:  # the oaipmh package is missing
    if os.environ.get("CI") == "true":
        raise
    pytest.skip(f"the OAI-PMH server package is not installed (pip install oaipmh): {exc}", allow_module_level=True)

RECORDS = make_records(23)
DELETED = {4, 9, 15, 21}  # 1-based numbers of the items deleted on the server
BATCH = 4


def item_for(number: int, record: pymarc.Record) -> Item:
    lang = record["008"].data[35:38]
    marc = None if number in DELETED else etree.fromstring(pymarc.record_to_xml(record, namespace=True))
    month = (number % 12) + 1
    return Item(identifier=f"oai:satbayev.kz:{number}", datestamp=datetime(2024, month, 10, 12, 0, 0),
                sets=[lang], marc=marc, title=record["245"]["a"])


ITEMS = [item_for(n, r) for n, r in enumerate(RECORDS, start=1)]
LIVE = [r for n, r in enumerate(RECORDS, start=1) if n not in DELETED]


@pytest.fixture(scope="module")
def oai():
    server = RunningOai(MemoryRepository(ITEMS), batch_size=BATCH)
    yield server
    server.stop()


def fast_client() -> HttpClient:
    return HttpClient(policy=HttpPolicy(retries=2, backoff=0.01, read_timeout=30))


def test_full_harvest_follows_every_resumption_token(oai, tmp_path):
    client = fast_client()
    output = tmp_path / "oai.xml"
    result = harvest_oai_to_file(client, oai.url, "marc21", output)
    assert result.pages == 6  # 23 items, 4 a page
    assert client.requests_made == 6
    assert result.records == 19
    assert result.deleted == 4
    assert assert_same_records(LIVE, output) >= 1
    assert not (tmp_path / "oai.xml.harvest.json").exists()


def test_pages_and_identifiers(oai):
    pages = list(iter_oai_pages(fast_client(), oai.url, "marc21"))
    assert [len(p.records) + p.deleted for p in pages] == [4, 4, 4, 4, 4, 3]
    assert sum(p.deleted for p in pages) == 4
    assert all(isinstance(p.next, str) and p.next for p in pages[:-1]) and pages[-1].next is None
    records = list(iter_oai_records(fast_client(), oai.url, "marc21"))
    assert [r.identifier for r in records] == [f"oai:satbayev.kz:{n}" for n in range(1, 24) if n not in DELETED]


def test_set_and_dates_select_records(oai, tmp_path):
    output = tmp_path / "kaz.xml"
    result = CliRunner().invoke(app, ["harvest", "oai", oai.url, "--prefix", "marc21", "--set", "kaz",
                                      "--from", "2024-03-01", "--until", "2024-08-31", "-o", str(output)])
    assert result.exit_code == 0, result.output
    expected_items = [(n, r) for n, r in enumerate(RECORDS, start=1)
                      if r["008"].data[35:38] == "kaz" and 3 <= (n % 12) + 1 <= 8]
    expected = [r for n, r in expected_items if n not in DELETED]
    deleted = sum(1 for n, _ in expected_items if n in DELETED)
    assert expected and deleted  # the selection has both kinds
    assert f"Harvested {len(expected)} records" in result.output
    assert f"{deleted} deleted on the server (not written)" in result.output
    assert_same_records(expected, output)


def test_interrupted_oai_harvest_resumes_from_the_token(oai, tmp_path):
    output = tmp_path / "resume.xml"

    def stop_after_two_pages(done, total):
        if done >= 2 * BATCH:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_oai_to_file(fast_client(), oai.url, "marc21", output, progress=stop_after_two_pages)
    state = json.loads((tmp_path / "resume.xml.harvest.json").read_text(encoding="utf-8"))
    assert isinstance(state["next"], str) and state["pages"] == 2
    assert state["deleted"] == 1 and state["records"] == 7

    client = fast_client()
    result = harvest_oai_to_file(client, oai.url, "marc21", output)
    assert result.resumed and client.requests_made == 4
    assert result.records == 19 and result.deleted == 4
    assert_same_records(LIVE, output)


def test_no_records_match_is_an_empty_harvest(oai, tmp_path):
    output = tmp_path / "none.xml"
    result = CliRunner().invoke(app, ["harvest", "oai", oai.url, "--prefix", "marc21", "--from", "2030-01-01",
                                      "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert "Harvested 0 records" in result.output
    assert pymarc.parse_xml_to_array(str(output)) == []


def test_unknown_prefix_is_a_clear_error(oai, tmp_path):
    with pytest.raises(Diagnostic) as caught:
        list(iter_oai_records(fast_client(), oai.url, "nonesuch"))
    assert caught.value.code == "cannotDisseminateFormat"
    result = CliRunner().invoke(app, ["harvest", "oai", oai.url, "--prefix", "nonesuch",
                                      "-o", str(tmp_path / "x.xml")])
    assert result.exit_code == 1
    assert "cannotDisseminateFormat" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_dublin_core_is_refused_as_not_marc(oai, tmp_path):
    with pytest.raises(ProtocolError, match="not MARCXML"):
        list(iter_oai_records(fast_client(), oai.url, "oai_dc"))


def test_server_rejects_a_forged_resumption_token(oai):
    with pytest.raises(Diagnostic) as caught:
        list(iter_oai_records(fast_client(), oai.url, "marc21", token="not-a-token"))
    assert caught.value.code == "badResumptionToken"
    assert "--restart" in str(caught.value)


def test_bad_dates_are_exit_2(oai, tmp_path):
    result = CliRunner().invoke(app, ["harvest", "oai", oai.url, "--prefix", "marc21", "--from", "01.02.2024",
                                      "-o", str(tmp_path / "x.xml")])
    assert result.exit_code == 2
    assert "--from must be a date" in result.output
