"""MARCXML in blocks: ``xml_block_bounds`` cuts a file between records, ``read_xml_block`` reads
one block on its own, and the blocks read one after the other give what reading the whole
file gives: the same records, numbers, lines and problems.

The hand-written documents put record i on line i + 2 (line 1 the declaration, line 2 the
root), so the expected numbers and lines are counted by hand; the fixture and corpus files
are compared with ``MarcXmlReader`` reading them whole, for random block sizes.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from rabiskit.sources.marcxml import (
    BlockNotReadable,
    MarcXmlReader,
    XmlBlock,
    read_marcxml,
    read_xml_block,
    xml_block_bounds,
)

REPO = Path(__file__).resolve().parents[1]
SLIM = "http://www.loc.gov/MARC21/slim"
HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'


def record(i: int, title: str | None = None, prefix: str = "") -> str:
    p = prefix
    return (f'<{p}record><{p}leader>00000nam a2200000 a 4500</{p}leader>'
            f'<{p}controlfield tag="001">r{i}</{p}controlfield>'
            f'<{p}datafield tag="245" ind1="0" ind2="0"><{p}subfield code="a">{title or f"Title {i}"}'
            f'</{p}subfield></{p}datafield></{p}record>')


def collection(n: int, bad: dict[int, str] | None = None, head: str = HEAD, prefix: str = "") -> str:
    bad = bad or {}
    xmlns = f'xmlns:{prefix[:-1]}="{SLIM}"' if prefix else f'xmlns="{SLIM}"'
    body = "\n".join(bad.get(i) or record(i, prefix=prefix) for i in range(1, n + 1))
    return f'{head}<{prefix}collection {xmlns}>\n{body}\n</{prefix}collection>\n'


def read_in_blocks(path: Path, block_size: int, **kw) -> tuple[list, list, int] | None:
    """(records, problems, blocks) of the file read block after block, each block with the
    defaults (numbers and lines from 1) and then shifted, as a pool of workers would; None
    when the file cannot be cut."""
    bounds = xml_block_bounds(path, path.stat().st_size, block_size, **kw)
    if bounds is None:
        return None
    assert bounds[0][0] == 0 and bounds[-1][1] == path.stat().st_size
    assert all(a[1] == b[0] for a, b in zip(bounds, bounds[1:]))  # no byte left out
    records: list = []
    problems: list = []
    lines = 0
    for start, end in bounds:
        block = read_xml_block(path, start, end, **kw).shifted(len(records), lines)
        records += block.records
        problems += block.problems
        lines += block.newlines
    return records, problems, len(bounds)


def test_a_collection_is_cut_after_record_end_tags_and_each_block_reads_its_records(tmp_path):
    text = collection(5)
    path = tmp_path / "five.xml"
    path.write_text(text, encoding="utf-8")
    data = text.encode("utf-8")
    ends = [data.index(b"</record>", data.index(f">r{i}<".encode())) + len(b"</record>")
            for i in range(1, 6)]
    # one byte a block: a cut after every record end tag but the last
    bounds = xml_block_bounds(path, len(data), 1)
    assert bounds == [(0, ends[0]), (ends[0], ends[1]), (ends[1], ends[2]), (ends[2], ends[3]),
                      (ends[3], len(data))]
    # the third block on its own, numbered and placed as in the whole file: record 3, line 5
    (rec,) = read_xml_block(path, ends[1], ends[2], first_number=3, first_line=4).records
    assert (rec.number, rec.line, rec.record.control("001")) == (3, 5, "r3")
    # read with the defaults it says where it is relative to its own start: record 1, line 2
    block = read_xml_block(path, ends[1], ends[2])
    assert [(r.number, r.line) for r in block.records] == [(1, 2)]
    assert block.newlines == 1  # the newline before record 3
    assert [(r.number, r.line) for r in block.shifted(2, 3).records] == [(3, 5)]
    # a block as big as the file: one block
    assert xml_block_bounds(path, len(data), 10 ** 6) == [(0, len(data))]


@pytest.mark.parametrize("block_size", [1, 300, 700, 10 ** 6])
def test_the_blocks_together_give_the_whole_file(tmp_path, block_size):
    path = tmp_path / "c.xml"
    path.write_text(collection(12, prefix="marc:"), encoding="utf-8")
    got = read_in_blocks(path, block_size)
    assert got is not None
    records, problems, blocks = got
    assert [r.number for r in records] == list(range(1, 13))
    assert [r.line for r in records] == [i + 2 for i in range(1, 13)]
    assert [r.record.control("001") for r in records] == [f"r{i}" for i in range(1, 13)]
    assert problems == []
    assert (records, problems) == read_marcxml(path)
    if block_size == 1:
        assert blocks == 12


def test_a_damaged_record_reads_the_same_in_a_block_and_its_problem_names_its_line(tmp_path):
    # record 4 has a subfield without a code and no leader: salvaged, reported, damaged
    bad = ('<record><controlfield tag="001">r4</controlfield><datafield tag="245" ind1="0" '
           'ind2="0"><subfield>lost</subfield><subfield code="a">Title 4</subfield></datafield>'
           '</record>')
    path = tmp_path / "bad.xml"
    path.write_text(collection(6, {4: bad}), encoding="utf-8")
    whole, whole_problems = read_marcxml(path)
    records, problems, blocks = read_in_blocks(path, 1)
    assert blocks == 6
    assert (records, problems) == (whole, whole_problems)
    damaged = records[3]
    assert damaged.damaged and damaged.number == 4 and damaged.line == 6
    assert sorted({(p.record, p.line) for p in problems}) == [(4, 6)]


@pytest.mark.parametrize("markup", ["<!-- a comment -->", "<![CDATA[x]]>", "<?pi data?>"])
def test_markup_that_could_hide_an_end_tag_makes_the_block_unreadable(tmp_path, markup):
    path = tmp_path / "m.xml"
    path.write_text(collection(4, {3: record(3, title=f"Title {markup}")}), encoding="utf-8")
    size = path.stat().st_size
    bounds = xml_block_bounds(path, size, 1)
    assert bounds is not None and len(bounds) == 4
    with pytest.raises(BlockNotReadable):
        read_xml_block(path, *bounds[2])
    for start, end in bounds[:2] + bounds[3:]:  # the other blocks are plain
        assert len(read_xml_block(path, start, end).records) == 1
    # the whole file is still read, record 3 too
    assert len(read_marcxml(path)[0]) == 4


def test_a_comment_spanning_a_cut_is_found_by_the_block_it_starts_in(tmp_path):
    body = record(2) + "<!-- " + record(99) + " -->"
    path = tmp_path / "span.xml"
    path.write_text(collection(3, {2: body}), encoding="utf-8")
    bounds = xml_block_bounds(path, path.stat().st_size, 1)
    assert bounds is not None
    with pytest.raises(BlockNotReadable):
        for start, end in bounds:
            read_xml_block(path, start, end)
    assert [r.record.control("001") for r in read_marcxml(path)[0]] == ["r1", "r2", "r3"]


def test_malformed_xml_in_a_block_sends_the_file_to_the_whole_reader(tmp_path):
    path = tmp_path / "nbsp.xml"
    path.write_text(collection(5, {3: record(3, "Title&nbsp;3")}), encoding="utf-8")
    bounds = xml_block_bounds(path, path.stat().st_size, 1)
    assert bounds is not None and len(bounds) == 5
    with pytest.raises(BlockNotReadable, match="malformed XML"):
        read_xml_block(path, *bounds[2])
    records, problems = read_marcxml(path)
    assert len(records) == 4 and problems[0].line == 5  # what the whole reader says


def test_an_empty_record_sends_the_file_to_the_whole_reader(tmp_path):
    path = tmp_path / "empty.xml"
    path.write_text(collection(3, {2: "<record></record>"}), encoding="utf-8")
    bounds = xml_block_bounds(path, path.stat().st_size, 1)
    with pytest.raises(BlockNotReadable, match="empty record"):
        read_xml_block(path, *bounds[1])
    records, problems = read_marcxml(path)
    assert len(records) == 2 and "record 2 is empty" in problems[0].message


def test_files_that_cannot_be_cut(tmp_path):
    cases = {
        "doctype.xml": collection(3, head=HEAD + '<!DOCTYPE collection [<!ENTITY e "x">]>\n'),
        "comment-first.xml": collection(3, head=HEAD + "<!-- exported -->\n"),
        "single.xml": HEAD + record(1).replace("<record>", f'<record xmlns="{SLIM}">') + "\n",
        "utf16.xml": None,
        "no-records.xml": HEAD + f'<collection xmlns="{SLIM}"></collection>\n',
        "no-xml.xml": "just some text\n",
    }
    for name, text in cases.items():
        path = tmp_path / name
        if text is None:
            path.write_bytes(collection(3, head='<?xml version="1.0" encoding="UTF-16"?>\n')
                             .encode("utf-16"))
        else:
            path.write_text(text, encoding="utf-8")
        assert xml_block_bounds(path, path.stat().st_size, 1) is None, name
    gz = tmp_path / "c.xml.gz"
    gz.write_bytes(gzip.compress(collection(3).encode("utf-8")))
    assert xml_block_bounds(gz, gz.stat().st_size, 1) is None
    with pytest.raises(BlockNotReadable):  # asked anyway: not read as a block
        read_xml_block(gz, 0, gz.stat().st_size)


def test_bytes_that_are_not_a_block_are_refused(tmp_path):
    path = tmp_path / "c.xml"
    path.write_text(collection(3), encoding="utf-8")
    size = path.stat().st_size
    with pytest.raises(BlockNotReadable):
        read_xml_block(path, 10, size)  # inside the root start tag
    with pytest.raises(BlockNotReadable):
        read_xml_block(path, 0, size + 5)  # past the end
    text = path.read_text(encoding="utf-8")
    middle = text.index("<datafield")
    with pytest.raises(BlockNotReadable):
        read_xml_block(path, middle, size)  # cut inside a record


def test_a_windows_1251_file_reads_the_same_in_blocks(tmp_path):
    text = collection(4, {2: record(2, "Қазақ әдебиеті тарихы"), 3: record(3, "История края")},
                      head='<?xml version="1.0" encoding="windows-1251"?>\n')
    path = tmp_path / "cp.xml"
    path.write_bytes(text.replace("Қазақ әдебиеті тарихы", "Казахская литература").encode("cp1251"))
    records, problems, blocks = read_in_blocks(path, 1)
    assert blocks == 4 and problems == []
    assert records[1].record.subfield("245", "a") == "Казахская литература"
    assert records[2].record.subfield("245", "a") == "История края"
    assert {r.encoding for r in records} == {"cp1251"}
    assert (records, problems) == read_marcxml(path)


def test_an_oai_wrapper_either_reads_the_same_or_is_refused(tmp_path):
    # OAI-PMH: each MARC record inside a <record> wrapper of another namespace
    oai = "http://www.openarchives.org/OAI/2.0/"
    items = "\n".join(
        f'<record><header><identifier>oai:{i}</identifier></header><metadata>'
        f'{record(i, prefix="marc:").replace("<marc:record>", f"<marc:record xmlns:marc={chr(34)}{SLIM}{chr(34)}>")}'
        f'</metadata></record>' for i in range(1, 5))
    path = tmp_path / "oai.xml"
    path.write_text(f'{HEAD}<OAI-PMH xmlns="{oai}"><ListRecords>\n{items}\n</ListRecords></OAI-PMH>\n',
                    encoding="utf-8")
    whole = read_marcxml(path)
    assert [r.record.control("001") for r in whole[0]] == ["r1", "r2", "r3", "r4"]
    try:
        got = read_in_blocks(path, 1)
    except BlockNotReadable:
        return  # cut inside a wrapper: the careful reader reads it whole
    assert got is None or (got[0], got[1]) == whole


def pretty(n: int) -> tuple[str, list[int]]:
    """n records, one element a line (11 lines a record): past line 65535 from record 5958."""
    lines = [HEAD.rstrip("\n"), f'<collection xmlns="{SLIM}">']
    starts = []
    for i in range(1, n + 1):
        starts.append(len(lines) + 1)
        lines += ["<record>", "  <leader>00000nam a2200000 a 4500</leader>",
                  f'  <controlfield tag="001">r{i}</controlfield>',
                  '  <datafield tag="245" ind1="0" ind2="0">',
                  f'    <subfield code="a">Title {i}</subfield>',
                  '    <subfield code="b">more</subfield>', "  </datafield>",
                  '  <datafield tag="650" ind1=" " ind2="0">',
                  '    <subfield code="a">Subject</subfield>', "  </datafield>", "</record>"]
    lines.append("</collection>")
    return "\n".join(lines) + "\n", starts


def test_record_lines_are_exact_past_line_65535_whole_and_in_blocks(tmp_path):
    text, starts = pretty(6100)  # 67,103 lines
    assert starts[-1] > 65535
    path = tmp_path / "pretty.xml"
    path.write_text(text, encoding="utf-8")
    whole, problems = read_marcxml(path)
    assert problems == []
    assert [r.line for r in whole] == starts  # record i starts on line 3 + 11 (i - 1)
    assert whole[6099].line == 3 + 11 * 6099
    records, problems, blocks = read_in_blocks(path, 200_000)
    assert blocks > 1 and (records, problems) == (whole, [])


def _marcxml_files() -> list[Path]:
    from tests.conftest import CORPUS

    files = sorted((REPO / "fixtures").glob("*.xml"))
    if CORPUS.is_dir():
        files += sorted(p for p in CORPUS.rglob("*") if p.is_file()
                        and (p.suffix == ".xml" or p.name.endswith(".xml.gz")))
    return files


def _blocks_match_whole(path: Path, block_size: int) -> str:
    """'cut', 'whole' (the file cannot be cut, or a block sent it to the whole reader);
    fails when the blocks give anything but the whole file's result."""
    whole = read_marcxml(path)
    try:
        got = read_in_blocks(path, block_size)
    except BlockNotReadable:
        data = path.read_bytes()
        # only markup that may hide a cut, or damage the whole reader reports, refuses a block
        assert b"<!" in data or b"<?" in data[5:] or whole[1], path
        return "whole"
    if got is None:
        return "whole"
    assert (got[0], got[1]) == whole, (path, block_size)
    return "cut"


def test_every_fixture_and_corpus_file_reads_the_same_in_blocks_of_one_byte(corpus):
    outcomes = {p: _blocks_match_whole(p, 1) for p in _marcxml_files()}
    cut = [p for p, o in outcomes.items() if o == "cut"]
    # the fixtures and most of the corpus are plain collections: they are really cut
    assert {p.name for p in cut} >= {"marcxml-slim.xml", "marcxml-default-ns.xml"}
    assert len(cut) >= 25, len(cut)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@example(data=None)
def test_random_block_sizes_give_the_whole_file(corpus, data):
    files = _marcxml_files()
    if data is None:  # pinned: the biggest fixture in blocks of 2 KB
        path, block_size = REPO / "fixtures" / "marcxml-slim.xml", 2048
    else:
        path = data.draw(st.sampled_from(files))
        block_size = data.draw(st.integers(1, max(1, path.stat().st_size)))
    _blocks_match_whole(path, block_size)


def test_a_block_reader_is_a_reader_too(tmp_path):
    path = tmp_path / "c.xml"
    path.write_text(collection(3), encoding="utf-8")
    start, end = xml_block_bounds(path, path.stat().st_size, 1)[1]
    reader = MarcXmlReader(path, block=(start, end), first_number=2, first_line=3)
    assert [(r.number, r.line) for r in reader] == [(2, 4)]
    assert reader.newlines == 1 and reader.problems == []
    assert isinstance(read_xml_block(path, start, end), XmlBlock)


def test_an_encoding_given_by_the_user_is_used_by_every_block(tmp_path):
    # no declaration, cp1251 bytes: only --encoding cp1251 reads the titles
    path = tmp_path / "undeclared.xml"
    path.write_bytes(collection(3, {2: record(2, "Казахская литература")}, head="").encode("cp1251"))
    records, problems, blocks = read_in_blocks(path, 1, encoding="cp1251")
    assert blocks == 3 and problems == []
    assert records[1].record.subfield("245", "a") == "Казахская литература"
    assert [r.line for r in records] == [2, 3, 4]  # no declaration line: record i on line i + 1
    assert (records, problems) == read_marcxml(path, encoding="cp1251")
    # without it the head says UTF-8 and the bytes are not: not cut
    assert xml_block_bounds(path, path.stat().st_size, 1) is None
