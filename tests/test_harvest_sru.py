"""SRU harvesting against a real Zebra server (idzebra-2.0) on 127.0.0.1.

Zebra indexes 30 MARC 21 records with Kazakh and Russian titles (configuration in
tests/zebra/); the harvester pages through them 7 at a time over SRU 1.1, 1.2 and 2.0,
and the output is compared with the originals field by field.  Without Zebra the tests
skip, except with CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from servers.records import assert_same_records, make_records, write_collection  # noqa: E402
from servers.zebra import start_zebra, zebra_missing  # noqa: E402

from rabiskit.cli.main import app  # noqa: E402
from rabiskit.harvest import (Diagnostic, HttpClient, HttpPolicy, ResumeMismatch, harvest_sru_to_file,  # noqa: E402
                              iter_sru_pages, iter_sru_records)
from rabiskit.harvest.sru import parse_sru_page  # noqa: E402

RECORDS = make_records(30)
ALL = "cql.allRecords=1"


@pytest.fixture(scope="session")
def zebra(tmp_path_factory):
    why = zebra_missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Zebra is required when CI=true: {why}")
        pytest.skip(f"Zebra is not installed: {why}")
    workdir = tmp_path_factory.mktemp("zebra")
    source = write_collection(RECORDS, workdir / "source.xml")
    server = start_zebra(workdir, source)
    yield server
    server.stop()


def fast_client() -> HttpClient:
    return HttpClient(policy=HttpPolicy(retries=2, backoff=0.01, read_timeout=30))


def test_harvest_all_records_in_pages_field_by_field(zebra, tmp_path):
    client = fast_client()
    output = tmp_path / "zebra.xml"
    result = harvest_sru_to_file(client, zebra.url, ALL, output, batch=7)
    assert result.records == 30
    assert result.total == 30
    assert result.pages == 5  # 7 + 7 + 7 + 7 + 2
    assert client.requests_made == 5
    assert result.duplicates == 0 and result.deleted == 0 and result.skipped == 0
    assert not (tmp_path / "zebra.xml.part").exists()
    assert not (tmp_path / "zebra.xml.harvest.json").exists()
    assert assert_same_records(RECORDS, output) >= 1
    text = output.read_text(encoding="utf-8")
    assert "Құнанбайұлы, Абай" in text
    assert "&amp; зерттеулер &lt;1-том&gt;" in text


@pytest.mark.parametrize("version", ["1.1", "1.2", "2.0"])
def test_every_sru_version_pages_through_in_order(zebra, version):
    client = fast_client()
    pages = list(iter_sru_pages(client, zebra.url, ALL, batch=7, version=version))
    assert [len(p.records) for p in pages] == [7, 7, 7, 7, 2]
    assert [p.next for p in pages] == [8, 15, 22, 29, None]
    records = list(iter_sru_records(client, zebra.url, ALL, batch=7, version=version))
    assert [r.key for r in records] == [f"KZ-SatCL|KZ-SAT-{i:05d}" for i in range(1, 31)]
    assert [r.position for r in records] == list(range(1, 31))


def test_query_selects_a_subset(zebra, tmp_path):
    output = tmp_path / "kazakh.xml"
    result = harvest_sru_to_file(fast_client(), zebra.url, "dc.language=kaz", output, batch=4)
    kazakh = [r for r in RECORDS if r["008"].data[35:38] == "kaz"]
    assert result.records == len(kazakh) == 15
    assert_same_records(kazakh, output)


def test_records_packed_as_strings_are_read_too(zebra):
    client = fast_client()
    root = client.get_xml(zebra.url, {"version": "1.2", "operation": "searchRetrieve", "query": ALL,
                                      "startRecord": "3", "maximumRecords": "2", "recordSchema": "marcxml",
                                      "recordPacking": "string"})
    page = parse_sru_page(root, 3)
    assert [r.key for r in page.records] == ["KZ-SatCL|KZ-SAT-00003", "KZ-SatCL|KZ-SAT-00004"]
    title = RECORDS[3]["245"]["a"]
    assert title.endswith("№4")
    assert f'<subfield code="a">{title}</subfield>' in page.records[1].xml
    assert page.next == 5


def test_cli_harvest_writes_a_file_the_readers_take(zebra, tmp_path):
    output = tmp_path / "cli.xml"
    result = CliRunner().invoke(app, ["harvest", "sru", zebra.url, "--query", ALL, "--batch", "7",
                                      "-o", str(output), "--backoff", "0.01"])
    assert result.exit_code == 0, result.output
    assert "Harvested 30 records" in result.output
    assert_same_records(RECORDS, output)


def test_interrupted_harvest_resumes_without_writing_a_record_twice(zebra, tmp_path):
    output = tmp_path / "resume.xml"
    seen_progress = []

    def stop_after_two_pages(done, total):
        seen_progress.append((done, total))
        if done >= 14:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_sru_to_file(fast_client(), zebra.url, ALL, output, batch=7, progress=stop_after_two_pages)
    state_file = tmp_path / "resume.xml.harvest.json"
    part = tmp_path / "resume.xml.part"
    state = json.loads(state_file.read_text(encoding="utf-8"))
    assert state["next"] == 15 and state["records"] == 14 and state["part_bytes"] == part.stat().st_size
    assert not output.exists()
    # a third page half written when the process died: bytes past what the state vouches for
    with open(part, "ab") as handle:
        handle.write(b"  <record>\n    <leader>00000nam a22")

    client = fast_client()
    result = harvest_sru_to_file(client, zebra.url, ALL, output, batch=7)
    assert result.resumed
    assert result.records == 30
    assert client.requests_made == 3  # pages from 15, 22, 29 only
    assert assert_same_records(RECORDS, output) >= 1
    assert not state_file.exists() and not part.exists()


def test_resume_with_another_query_is_refused(zebra, tmp_path):
    output = tmp_path / "other.xml"

    def stop(done, total):
        if done >= 7:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        harvest_sru_to_file(fast_client(), zebra.url, ALL, output, batch=7, progress=stop)
    with pytest.raises(ResumeMismatch, match="query"):
        harvest_sru_to_file(fast_client(), zebra.url, "dc.language=kaz", output, batch=7)
    cli = CliRunner().invoke(app, ["harvest", "sru", zebra.url, "--query", "dc.language=kaz",
                                   "-o", str(output), "--quiet"])
    assert cli.exit_code == 2
    assert "--restart" in cli.output
    # --restart throws the partial harvest away and starts over
    cli = CliRunner().invoke(app, ["harvest", "sru", zebra.url, "--query", "dc.language=kaz",
                                   "-o", str(output), "--quiet", "--restart"])
    assert cli.exit_code == 0, cli.output
    assert "Harvested 15 records" in cli.output


def test_diagnostic_is_a_clear_error(zebra, tmp_path):
    with pytest.raises(Diagnostic) as caught:
        list(iter_sru_records(fast_client(), zebra.url, "nosuchset.title=абай"))
    assert caught.value.code == "info:srw/diagnostic/1/15"
    output = tmp_path / "bad.xml"
    result = CliRunner().invoke(app, ["harvest", "sru", zebra.url, "--query", "nosuchset.title=абай",
                                      "-o", str(output), "--quiet"])
    assert result.exit_code == 1
    assert "SRU diagnostic 15" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # nothing harvested, nothing left behind


def test_unknown_schema_is_a_clear_error(zebra, tmp_path):
    for version in ("1.2", "2.0"):
        result = CliRunner().invoke(app, ["harvest", "sru", zebra.url, "--query", ALL, "--schema", "nonesuch",
                                          "--sru-version", version, "-o", str(tmp_path / "x.xml"), "--quiet"])
        assert result.exit_code == 1
        assert "Unknown schema for retrieval" in result.output


def test_unreachable_server_is_exit_2(tmp_path):
    from servers.zebra import free_port

    url = f"http://127.0.0.1:{free_port()}/Default"
    result = CliRunner().invoke(app, ["harvest", "sru", url, "--query", ALL, "-o", str(tmp_path / "x.xml"),
                                      "--retries", "1", "--backoff", "0.01", "--quiet"])
    assert result.exit_code == 2
    assert "connection refused" in result.output
    assert "Traceback" not in result.output


def test_wrong_options_are_exit_2(tmp_path):
    for args in (["ftp://x/y", "--query", ALL], ["http://127.0.0.1:9/x", "--query", ALL, "--batch", "0"],
                 ["http://127.0.0.1:9/x", "--query", ALL, "--sru-version", "3.0"]):
        result = CliRunner().invoke(app, ["harvest", "sru", *args, "-o", str(tmp_path / "x.xml"), "--quiet"])
        assert result.exit_code == 2, result.output
        assert result.output.startswith("rabiskit: ")
