"""The sniffer decodes a file's head as text only where markup may start it: a "<" after
nothing but blanks and byte order marks.  Every head it so skips is one whose text would
not start with "<" (the check it spares), and files are told as before."""

from __future__ import annotations

import codecs

from hypothesis import example, given, settings, strategies as st

from rabiskit.sources.sniff import _BEFORE_MARKUP, _as_text, sniff

# bytes of every kind a head may start with: blanks, zero bytes, byte order marks, markup,
# letters, record and field terminators, Cyrillic in UTF-8 and in cp1251, invalid UTF-8
_PIECES = [b" ", b"\t", b"\r\n", b"\x00", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE,
           b"<", b"<?xml", b"<html>", b"<record>", b"a", b"01234", b"\x1d", b"\x1e", b"\x1f",
           "Қазақ".encode("utf-8"), "Қазақ".encode("cp1251", "replace"), b"\xff", b"\xc3", b"\xbb"]


def _markup_first(head: bytes) -> bool:
    """What the sniffer asked of every head before: is its text's first sign a "<"?"""
    text = _as_text(head)
    return text is not None and text.lstrip("\ufeff \t\r\n").startswith("<")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map(b"".join))
@example(codecs.BOM_UTF8 + b"  <collection/>")
@example(b"\r\n\x00<\x00?")
@example(codecs.BOM_UTF16_LE)
@example(b"00024nam  22000251a 4500\x1e<a>\x1d")
def test_a_head_left_undecoded_is_no_markup(head):
    lt = head.find(b"<")
    skipped = lt < 0 or bool(head[:lt].translate(None, _BEFORE_MARKUP))
    if _markup_first(head):
        assert not skipped
    if skipped:
        assert not _markup_first(head)


def _iso_record(title: str) -> bytes:
    """One record written by hand: 200$a ``title`` (UTF-8)."""
    data = b"  \x1fa" + title.encode("utf-8") + b"\x1e"
    directory = b"200" + b"%04d" % len(data) + b"00000" + b"\x1e"
    base = 24 + len(directory)
    length = base + len(data) + 1
    leader = b"%05dnam  22%05d   4500" % (length, base)
    return leader + directory + data + b"\x1d"


def test_files_told_as_before(tmp_path):
    cases = {
        "iso.mrc": (_iso_record("<<Абай жолы>> <i>"), "iso2709"),
        "bom.xml": (codecs.BOM_UTF8 + b"\r\n  <collection xmlns='http://www.loc.gov/MARC21/slim'/>", "marcxml"),
        "blank.xml": (b"\n\n<?xml version='1.0'?><collection/>", "marcxml"),
        "page.html": (b"  <!DOCTYPE html><html><body>x</body></html>", "html"),
        "u16.xml": ("<?xml version='1.0'?><collection/>".encode("utf-16"), "marcxml"),
    }
    for name, (raw, kind) in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        assert sniff(path).kind == kind, name
    # text that holds a "<" later is no markup: its kind is the text's (not XML)
    path = tmp_path / "note.txt"
    path.write_bytes("Тізім: a < b\n".encode("utf-8"))
    assert sniff(path).kind not in ("marcxml", "html", "iso2709")
