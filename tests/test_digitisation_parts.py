"""The pieces of digitisation tracking: link file names, host titles, the CSV log, the PDF folder.

PDFs are real files written with pypdf into a temporary folder and read back."""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from rabiskit.digitisation.classify import (document_kind, file_name_of, link_key,
                                            newspaper_keys, title_key)
from rabiskit.digitisation.log import LogError, parse_log, parse_log_date, read_log
from rabiskit.digitisation.model import CREATED_METADATA, CREATED_MTIME
from rabiskit.digitisation.pdfs import PdfFolderError, index_pdfs, read_pdf


def make_pdf(path: Path, pages: int, created: str | None = "D:20260315120000+05'00'",
             password: str | None = None) -> Path:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(width=595, height=842)
    if created is not None:
        w.add_metadata({"/CreationDate": created})
    if password is not None:
        w.encrypt(user_password=password, owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    w.write(buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())
    return path


# -- file names in links ------------------------------------------------------------------
@pytest.mark.parametrize("link, name", [
    ("https://rabis.example.kz/scan/2026/gazeta_0012.pdf", "gazeta_0012.pdf"),
    ("https://rabis.example.kz/scan/2026/gazeta%200012.pdf?download=1#page=2", "gazeta 0012.pdf"),
    ("C:\\Scans\\2026\\GAZETA_0012.PDF", "GAZETA_0012.PDF"),
    ("\\\\server\\scans\\2026\\kitap.pdf", "kitap.pdf"),
    ("file:///D:/scan/a.pdf", "a.pdf"),
    ("scan/2026/b.pdf", "b.pdf"),
    ("b.pdf", "b.pdf"),
    ("https://rabis.example.kz/get.php?file=scan%2F2026%2Fc.pdf", "c.pdf"),
    ("https://rabis.example.kz/scan/%D2%9A%D0%B0%D0%B7%D0%B0%D2%9B.pdf", "Қазақ.pdf"),
    ("https://www.kazpravda.kz/articles/view/12345/", "12345"),
    ("https://rabis.example.kz/", None),
    ("   ", None),
])
def test_file_name_of_link(link, name):
    assert file_name_of(link) == name


def test_link_keys_ignore_case_and_unicode_form():
    assert link_key("C:\\Scans\\GAZETA_0012.PDF") == link_key("https://x.kz/a/gazeta_0012.pdf")
    nfd = "и\u0306о.pdf"  # й decomposed, as macOS writes file names
    assert link_key(nfd) == link_key("ЙО.PDF")
    assert link_key("Қазақ.pdf") != link_key("Казак.pdf")


# -- host titles and types ----------------------------------------------------------------
def test_title_key_drops_case_punctuation_and_quotes():
    assert title_key("«Егемен Қазақстан».") == title_key("егемен  ҚАЗАҚСТАН")
    assert title_key('"Жезқазған байрағы" :') == "жезқазған байрағы"
    assert title_key("Ұлытау-өңірі") == title_key("Ұлытау өңірі")
    assert title_key("Егемен Қазақстан") != title_key("Егемен")


def test_document_kind():
    papers = newspaper_keys(["Егемен Қазақстан", "Казахстанская правда"])
    assert document_kind("a", "«Егемен Қазақстан»", papers) == "newspaper_article"
    assert document_kind("b", "КАЗАХСТАНСКАЯ ПРАВДА.", papers) == "newspaper_article"
    assert document_kind("a", "Ақжелкен", papers) == "journal_article"
    assert document_kind("a", None, papers) == "journal_article"
    assert document_kind("m", "Егемен Қазақстан", papers) == "book"
    assert document_kind("c", None, papers) == "book"
    assert document_kind(" ", None, papers) == "book"
    assert document_kind("s", None, papers) == "other"
    assert document_kind("i", None, papers) == "other"


# -- the log ------------------------------------------------------------------------------
def test_log_with_kazakh_headers_semicolons_and_aliases():
    text = ("Күні;Түрі;Беттер;Тілі;Атауы;Файл\n"
            "15.03.2026;газет мақаласы;2;қазақ;Сарыарқа;C:\\Scans\\Gazeta_1.PDF\n"
            "2026-03-16;Журнал;3;орыс;Простор;\n"
            "\n"
            "2026-03-17;кітап;x;kk;Шежіре;kitap.pdf\n")
    log = parse_log(text, "log.csv")
    assert log.delimiter == ";"
    assert [(e.line, e.date, e.kind, e.pages, e.language, e.key) for e in log.entries] == [
        (2, dt.date(2026, 3, 15), "newspaper_article", 2, "kaz", "gazeta_1.pdf"),
        (3, dt.date(2026, 3, 16), "journal_article", 3, "rus", None),
        (5, dt.date(2026, 3, 17), "book", None, "kaz", "kitap.pdf"),
    ]
    assert [(p["line"], p["kind"]) for p in log.problems] == [(5, "log_row")]
    assert "pages 'x'" in log.problems[0]["message"]


def test_log_comma_and_tab_delimiters_and_english_headers():
    for sep in (",", "\t"):
        text = sep.join(["title", "date", "type", "pages", "language", "file"]) + "\n" + \
            sep.join(["A, b" if sep == "\t" else '"A, b"', "2026-01-02", "book", "10", "kaz",
                      "k.pdf"]) + "\n"
        (entry,) = parse_log(text).entries
        assert (entry.title, entry.date, entry.kind, entry.pages, entry.key) == (
            "A, b", dt.date(2026, 1, 2), "book", 10, "k.pdf")


def test_log_bad_rows_are_problems_not_errors():
    text = ("date,type,pages\n"
            "2026-02-30,book,1\n"
            "2026-02-01,poster,1\n"
            "yesterday,journal_article,1\n")
    log = parse_log(text, "x.csv")
    assert [(e.line, e.date) for e in log.entries] == [(2, None), (4, None)]
    assert [p["line"] for p in log.problems] == [2, 3, 4]
    assert "poster" in log.problems[1]["message"]


def test_log_dates():
    assert parse_log_date("2026-3-5") == dt.date(2026, 3, 5)
    assert parse_log_date("05/03/2026") == dt.date(2026, 3, 5)
    assert parse_log_date("2026-03-05 14:00") == dt.date(2026, 3, 5)
    assert parse_log_date("") is None
    with pytest.raises(ValueError):
        parse_log_date("2026.03.05")


def test_log_file_errors(tmp_path):
    with pytest.raises(LogError, match="not found"):
        read_log(tmp_path / "none.csv")
    with pytest.raises(LogError, match="is a folder"):
        read_log(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(LogError, match="empty"):
        read_log(empty)
    no_type = tmp_path / "no-type.csv"
    no_type.write_text("date,pages\n2026-01-01,3\n", encoding="utf-8")
    with pytest.raises(LogError, match="no type column"):
        read_log(no_type)


def test_log_in_windows_1251(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("Дата;Тип;Страниц;Язык;Заглавие;Файл\r\n"
                     "01.04.2026;газета;2;рус;Степь;gazeta.pdf\r\n".encode("cp1251"))
    log = read_log(path)
    assert log.encoding == "cp1251"
    (entry,) = log.entries
    assert (entry.kind, entry.language, entry.title, entry.pages) == (
        "newspaper_article", "rus", "Степь", 2)


# -- PDFs ---------------------------------------------------------------------------------
def test_read_pdf_pages_and_creation_date(tmp_path):
    info = read_pdf(make_pdf(tmp_path / "a.pdf", 7, "D:20260315120000+05'00'"))
    assert info.readable and info.pages == 7 and not info.encrypted
    assert info.created == dt.datetime(2026, 3, 15, 12, 0,
                                       tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert info.created_source == CREATED_METADATA and info.note is None


def test_read_pdf_without_creation_date_uses_modification_time(tmp_path):
    path = make_pdf(tmp_path / "scan.pdf", 2, created=None)
    stamp = dt.datetime(2026, 5, 6, 10, 30).timestamp()
    os.utime(path, (stamp, stamp))
    info = read_pdf(path)
    assert info.pages == 2
    assert info.created == dt.datetime(2026, 5, 6, 10, 30)
    assert info.created_source == CREATED_MTIME
    assert "modification time" in info.note


def test_read_pdf_with_unreadable_creation_date(tmp_path):
    path = make_pdf(tmp_path / "bad-date.pdf", 1, created="D:20261399zzzz")
    stamp = dt.datetime(2026, 2, 1, 8, 0).timestamp()
    os.utime(path, (stamp, stamp))
    info = read_pdf(path)
    assert info.pages == 1 and info.created_source == CREATED_MTIME
    assert "cannot be read" in info.note and info.created.date() == dt.date(2026, 2, 1)


def test_read_pdf_encrypted(tmp_path):
    opened = read_pdf(make_pdf(tmp_path / "empty-password.pdf", 3, password=""))
    assert opened.encrypted and opened.readable and opened.pages == 3
    assert opened.created.date() == dt.date(2026, 3, 15)
    locked = read_pdf(make_pdf(tmp_path / "locked.pdf", 3, password="secret"))
    assert locked.encrypted and not locked.readable and locked.pages is None
    assert locked.kind == "pdf_encrypted" and "password" in locked.error


def test_read_pdf_corrupt_files(tmp_path):
    good = make_pdf(tmp_path / "good.pdf", 4)
    data = good.read_bytes()
    (tmp_path / "truncated.pdf").write_bytes(data[: len(data) // 2])
    (tmp_path / "empty.pdf").write_bytes(b"")
    (tmp_path / "text.pdf").write_bytes("бұл PDF емес\n".encode("utf-8") * 20)
    (tmp_path / "header-only.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    for name in ("truncated.pdf", "empty.pdf", "text.pdf", "header-only.pdf"):
        info = read_pdf(tmp_path / name)
        assert not info.readable, name
        assert info.kind == "pdf_corrupt", (name, info)
        assert info.error


def test_index_is_recursive_case_insensitive_and_reports_duplicates(tmp_path):
    root = tmp_path / "scans"
    make_pdf(root / "2026" / "Q1" / "Gazeta_1.PDF", 2)
    make_pdf(root / "2026" / "Q2" / "gazeta_2.pdf", 3)
    make_pdf(root / "archive" / "gazeta_1.pdf", 9)
    (root / "2026" / "Q2" / "notes.txt").write_text("not a pdf", encoding="utf-8")
    (root / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    index = index_pdfs(root)
    assert [p.path.relative_to(root).as_posix() for p in index.pdfs] == [
        "2026/Q1/Gazeta_1.PDF", "2026/Q2/gazeta_2.pdf", "archive/gazeta_1.pdf", "bad.pdf"]
    assert index.get("gazeta_1.pdf").pages == 2  # the first in path order is the one matched
    assert sorted(p["kind"] for p in index.problems) == ["pdf_corrupt", "pdf_duplicate_name"]
    dup = next(p for p in index.problems if p["kind"] == "pdf_duplicate_name")
    assert dup["file"].endswith("gazeta_1.pdf") and "Gazeta_1.PDF" in dup["message"]
    assert index.summary() == {"folder": str(root), "pdfs": 4, "readable": 3, "unreadable": 1,
                               "pages": 14}


def test_index_folder_errors(tmp_path):
    with pytest.raises(PdfFolderError, match="not found"):
        index_pdfs(tmp_path / "missing")
    f = make_pdf(tmp_path / "one.pdf", 1)
    with pytest.raises(PdfFolderError, match="is a file"):
        index_pdfs(f)
    assert index_pdfs(tmp_path).pdfs[0].pages == 1


def test_read_pdf_aes_encrypted_with_an_empty_password(tmp_path):
    pytest.importorskip("cryptography", reason="pypdf needs 'cryptography' for AES PDFs")
    w = PdfWriter()
    for _ in range(2):
        w.add_blank_page(width=595, height=842)
    w.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    path = tmp_path / "aes.pdf"
    with path.open("wb") as fh:
        w.write(fh)
    info = read_pdf(path)
    assert info.encrypted and info.readable and info.pages == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=2000), flips=st.lists(
    st.tuples(st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=255)),
    max_size=8))
def test_damaged_pdf_bytes_never_raise(tmp_path, cut, flips):
    good = make_pdf(tmp_path / "good.pdf", 3)
    data = bytearray(good.read_bytes())
    for pos, value in flips:
        if pos < len(data):
            data[pos] = value
    bad = tmp_path / "mutated.pdf"
    bad.write_bytes(bytes(data[:cut] if cut < len(data) else data))
    info = read_pdf(bad)
    assert info.readable == (info.error is None)
    if not info.readable:
        assert info.kind in ("pdf_corrupt", "pdf_encrypted")
    else:
        assert info.pages is not None and info.pages >= 0


def test_web_links_are_keyed_by_the_whole_link():
    assert link_key("https://site.kz/view?id=1") != link_key("https://site.kz/view?id=2")
    assert link_key("https://a.kz/books/index.html") != link_key("https://b.kz/x/index.html")
    assert link_key("https://a.kz/scan/Kitap.DJVU") == link_key("D:\\scan\\kitap.djvu")


# the quick way of file_name_of (plain http(s) links) against the general one (urlsplit,
# unquote, the query): links made of the characters where the two could differ
_LINK_PARTS = st.sampled_from(["https://", "http://", "HTTPS://", "ftp://", "lib.kz", "a", "/",
                               "//", ".pdf", ".PDF", "C:", ":", "@", "%20", "?", "?f=a.pdf",
                               "#x", "\\", " ", "\t", "[", "]", "[::1]", "қ", "~", "+", ";",
                               "-", "_", "=", "&", "'", "!", "$", "(", ")", "*", ","])


@settings(max_examples=200, deadline=None)
@given(parts=st.lists(_LINK_PARTS, min_size=1, max_size=9))
@example(parts=["https://", "lib.kz", "/", "C:"])
@example(parts=["https://", "lib.kz", "//", "a", ".pdf", "/"])
@example(parts=["http://", "[::1]", "/", "a", ".pdf"])
@example(parts=["https://", "lib.kz", "/", "a", "\t", ".pdf"])
def test_file_name_of_plain_links_as_the_general_way(parts):
    from rabiskit.digitisation.classify import _file_name_general

    link = "".join(parts)
    text = link.strip()
    try:
        general = _file_name_general(text) if text else None
    except ValueError:  # urlsplit refuses it (e.g. bad brackets): the quick way must too
        with pytest.raises(ValueError):
            file_name_of(link)
        return
    assert file_name_of(link) == general


@pytest.mark.parametrize("link, name", [
    ("https://rabis.example.kz/e/17.pdf", "17.pdf"),
    ("http://lib.kz//scan//a.pdf", "a.pdf"),
    ("https:///a.pdf", "a.pdf"),
    ("https://lib.kz", None),
    ("https://lib.kz/a/C:", None),
    ("https://user@lib.kz:8080/a/b.djvu", "b.djvu"),
])
def test_file_name_of_plain_links(link, name):
    assert file_name_of(link) == name


# a document's JSON text written from its fields, as json.dumps writes its dict
_TEXT = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(['"', "\\", "\n", "\x00", "қ", "\u2028"]))
_NUMBER = st.one_of(st.none(), st.integers(-3, 10**12), st.booleans())


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(_TEXT, min_size=9, max_size=9), numbers=st.lists(_NUMBER, min_size=5, max_size=5),
       date=st.one_of(st.none(), st.dates(), st.datetimes()),
       lists=st.lists(st.lists(st.one_of(st.text(max_size=4), st.integers(0, 3)), max_size=2),
                      min_size=3, max_size=3),
       in_period=st.booleans())
@example(texts=["catalogue", "a.iso", "KZ1", "Атау", "book", "kaz", "extent", "changed", None],
         numbers=[1, 0, None, 120, 120], date=dt.date(2026, 1, 15), lists=[["a.pdf"], [], []],
         in_period=True)
@example(texts=["log", "log.csv", None, None, "book", "kaz", "", "", None],
         numbers=[None, None, 3, None, None], date=None, lists=[[], [], ["note"]], in_period=False)
def test_document_json_is_json_dumps(texts, numbers, date, lists, in_period):
    import json

    from rabiskit.digitisation.model import Document
    from rabiskit.digitisation.store import document_json

    source, file, id_, title, kind, language, pages_source, date_source, host = texts
    record_, offset, line, pages, cat_pages = numbers
    doc = Document(source=source, kind=kind, language=language, pages=pages,
                   pages_source=pages_source, date=date, date_source=date_source, keys=(),
                   file=file, record=record_, offset=offset, id=id_, title=title, line=line,
                   links=tuple(lists[0]), pdfs=tuple(lists[1]), catalogue_pages=cat_pages,
                   host_title=host, notes=list(lists[2]))
    want = json.dumps(doc.as_dict() | {"in_period": in_period}, ensure_ascii=False, indent=2)
    assert document_json(doc, in_period) == want


# a record's links with their keys and file names: one link (the quick way) as several
@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.lists(_LINK_PARTS, min_size=1, max_size=5), min_size=1, max_size=3))
@example(parts=[["https://", "lib.kz", "/", "a", ".pdf"]])
@example(parts=[["https://", "lib.kz", "/", "a", ".pdf"], ["C:", "\\", "A", ".PDF"]])
@example(parts=[["https://", "lib.kz", "/"]])
def test_linked_copies_keys_and_names(parts):
    from rabiskit.digitisation.classify import _file_name_general
    from rabiskit.digitisation.tally import linked_copies

    links = ["".join(p).strip() or "x" for p in parts]
    try:
        names = [_file_name_general(v) for v in links]
    except ValueError:
        with pytest.raises(ValueError):
            linked_copies(links)
        return
    keys = []
    for v in links:
        k = link_key(v)
        if k not in keys:
            keys.append(k)
    got = linked_copies(links)
    assert got.links == tuple(links)
    assert got.names == tuple(names)
    assert got.keys == tuple(keys)


def test_links_in_strips_and_drops_the_empty():
    from rabiskit.digitisation.classify import links_in

    assert links_in(["", " a.pdf ", "  ", "b"]) == ["a.pdf", "b"]
