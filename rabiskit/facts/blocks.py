"""The block reader: where every record and field of a block of ISO 2709 bytes lies, at once.

A block is a run of whole records (cut by ``rabiskit.pipeline.blocks`` after a record
terminator).  ``index_block`` reads the structure of all its records with numpy: the
leaders, every directory entry (tag, length, start) as arrays, the flavour's score and the
encoding case of each record.  It takes no decision about a record's facts; it says, per
record, whether the record is *clean*: its structure is one the careful reader
(``Iso2709Reader.parse``) reads without a remark, and its bytes are ASCII or valid UTF-8,
so that decoding a field's bytes as UTF-8 gives exactly the text the careful reader gives.
A record is clean only when:

* its leader is well formed and its length agrees with its record terminator;
* its directory is numeric, inside the record, every field ends on a field terminator,
  fields are contiguous and in directory order, the directory ends on the first field
  terminator, tags are letters and digits, and no non-repeatable field repeats;
* where it has a 100, 100$a is its first subfield and is ASCII (the flavour and the
  declared encoding read it);
* its encoding case is one the careful reader settles without a closer look
  (``combo_outcome``: ASCII, or valid UTF-8).

Everything about a clean record that a command needs (its date, languages, level, links,
pages...) is then decided by the careful functions themselves (``rabiskit.facts.extract``,
``rabiskit.rules``), called on the few fields they read (``field_bytes``, ``records_of``),
once per distinct value where values repeat (``rabiskit.facts.columns``,
``rabiskit.facts.levels``).  Records that are not clean go to the careful reader whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from rabiskit.records import Record
from rabiskit.records.record import MARC21, UNIMARC
from rabiskit.sources.encoding import CP1251, KOI8R, MARC8, UTF8, quick_outcome
from rabiskit.sources.flavour import _MARC21_TAGS, _UNIMARC_TAGS, IRBIS_TAGS
from rabiskit.sources.iso2709 import NON_REPEATABLE, _field

RT, FT, SD = 0x1D, 0x1E, 0x1F


def tag_code(tag: str) -> int:
    """A tag as the number its three bytes make read little-endian (as the directory is
    read, four bytes at a time)."""
    b = tag.encode("latin-1")
    return b[0] | (b[1] << 8) | (b[2] << 16)


def code_tag(code: int) -> str:
    return bytes([code & 255, (code >> 8) & 255, (code >> 16) & 255]).decode("latin-1")


# the flavour's weighted tags (all numeric): one bit each
_WEIGHT_TAGS = sorted(set(_UNIMARC_TAGS) | set(_MARC21_TAGS))
assert all(t.isdigit() and len(t) == 3 for t in _WEIGHT_TAGS)
_WEIGHT_VALUES = np.array([_UNIMARC_TAGS.get(t, 0) - _MARC21_TAGS.get(t, 0) for t in _WEIGHT_TAGS],
                          dtype=np.int64)
# indexed by the low nibbles of the tag's three bytes (first byte lowest); only meaningful
# where every high nibble is 3 (the bytes 0x30-0x3F: digits, and nibbles 10-15 give 0)
_WEIGHT_BITS = np.zeros(1 << 12, dtype=np.int64)
for _b, _t in enumerate(_WEIGHT_TAGS):
    _WEIGHT_BITS[int(_t[0]) | int(_t[1]) << 4 | int(_t[2]) << 8] = 1 << _b
# the score of a record's weighted tags (a mask of their bits) as the sum of a few tables'
# values, each for 7 of the bits
_SCORE_BITS = 7
_SCORE_MASK = (1 << _SCORE_BITS) - 1
# (table[v]: the sum of the weights of the bits set in v; built with numpy, a module
# import's time)
_V = np.arange(1 << _SCORE_BITS, dtype=np.int64)[:, None]
_SCORE_TABLES = [(shift, (((_V >> np.arange(w.size)) & 1) * w).sum(axis=1))
                 for shift in range(0, len(_WEIGHT_TAGS), _SCORE_BITS)
                 for w in (_WEIGHT_VALUES[shift:shift + _SCORE_BITS],)]
del _V
C100 = tag_code("100")
# per digit tag (indexed as _WEIGHT_BITS): whether the careful reader checks it is not
# repeated (either flavour: the union; its index 1-7 in the top three bits), whether it
# marks an IRBIS-native record
_ONCE_ANY, _IRBIS = 0xE0, 2
_TAG_FLAGS = np.zeros(1 << 12, dtype=np.uint8)
assert all(t.isdigit() and len(t) == 3 for t in (*NON_REPEATABLE[UNIMARC], *NON_REPEATABLE[MARC21], *IRBIS_TAGS))
assert len(NON_REPEATABLE[UNIMARC] | NON_REPEATABLE[MARC21]) <= 7
for _i, _t in enumerate(sorted(NON_REPEATABLE[UNIMARC] | NON_REPEATABLE[MARC21]), 1):
    _TAG_FLAGS[int(_t[0]) | int(_t[1]) << 4 | int(_t[2]) << 8] |= _i << 5
#: 100's flags (index_block finds its entries among those of the tags checked for repeats)
_ONCE_100 = (sorted(NON_REPEATABLE[UNIMARC] | NON_REPEATABLE[MARC21]).index("100") + 1) << 5
for _t in IRBIS_TAGS:
    _TAG_FLAGS[int(_t[0]) | int(_t[1]) << 4 | int(_t[2]) << 8] |= _IRBIS


def _is_digit(a):
    return (a - np.uint8(48)) < 10  # uint8 arithmetic wraps: one comparison


def _is_print(a):
    return (a >= 32) & (a <= 126)


def _is_alnum(a):
    return _is_digit(a) | ((a >= 65) & (a <= 90)) | ((a >= 97) & (a <= 122))


# the leader's byte classes, one bit each, and the classes each of the 36 bytes read at a
# record's start (the leader and its first directory entry) may be in
_DIGIT, _PRINT, _SPACE, _ALNUM = 1, 2, 4, 8
_CLASS = np.zeros(256, dtype=np.uint8)
for _c in range(256):
    _CLASS[_c] = ((_DIGIT if 48 <= _c <= 57 else 0) | (_PRINT if 32 <= _c <= 126 else 0)
                  | (_SPACE if _c == 32 else 0) | (_ALNUM if chr(_c).isascii() and chr(_c).isalnum() else 0))
#: leader/0-4 and /12-16 digits, /5-11 and /17-19 printable, /20-23 digits or blanks, the
#: first entry's tag letters and digits, its length and start digits or blanks
_LEAD_CLASSES = np.array([_DIGIT] * 5 + [_PRINT] * 7 + [_DIGIT] * 5 + [_PRINT] * 3
                         + [_DIGIT | _SPACE] * 4 + [_ALNUM] * 3 + [_DIGIT | _SPACE] * 9, dtype=np.uint8)
# the same two bytes at a time (a little-endian uint16 -> both bytes' classes, the first in
# the low nibble): half the look-ups
_PAIR = np.arange(1 << 16)
_CLASS2 = _CLASS[_PAIR & 255] | (_CLASS[_PAIR >> 8] << 4)
_LEAD_CLASSES2 = _LEAD_CLASSES[0::2] | (_LEAD_CLASSES[1::2] << 4)
del _PAIR


def _lead_ok(lead: np.ndarray) -> bool:
    """Whether every byte of ``lead`` (per record: the leader and the first directory entry,
    36 bytes, contiguous) is in one of the classes ``_LEAD_CLASSES`` allows at its place."""
    x = np.take(_CLASS2, lead.view("<u2"))
    x &= _LEAD_CLASSES2
    # both nibbles non-zero: both bytes of each pair in an allowed class (two comparisons
    # are quicker than a second table look-up)
    return bool((x >= 0x10).all()) and bool((x & np.uint8(0x0F)).all())

# leader/20 ('0', '4' or blank) and /21 ('0', '5' or blank): the careful reader's
_OK20 = np.zeros(256, dtype=bool)
_OK20[[48, 52, 32]] = True
_OK21 = np.zeros(256, dtype=bool)
_OK21[[48, 53, 32]] = True
_HIGH8 = np.uint64(0x8080808080808080)

_D_MASK, _D_ZERO, _D_SIX = np.uint32(0xF0F0F0F0), np.uint32(0x30303030), np.uint32(0x06060606)


def _digits4(w: np.ndarray) -> np.ndarray:
    """True where all four bytes of each little-endian uint32 are ASCII digits."""
    return ((w & _D_MASK) == _D_ZERO) & (((w + _D_SIX) & _D_MASK) == _D_ZERO)


_D3_MASK, _D3_ZERO, _D3_SIX = np.uint32(0xF0F0F0), np.uint32(0x303030), np.uint32(0x060606)


def _digits3(w: np.ndarray) -> np.ndarray:
    """True where the three low bytes of each uint32 are ASCII digits."""
    return ((w & _D3_MASK) == _D3_ZERO) & (((w + _D3_SIX) & _D3_MASK) == _D3_ZERO)


_D8_MASK, _D8_ZERO, _D8_SIX = (np.uint64(0xF0F0F0F0F0F0F0F0), np.uint64(0x3030303030303030),
                               np.uint64(0x0606060606060606))


def _digits8(w: np.ndarray) -> np.ndarray:
    """True where all eight bytes of each little-endian uint64 are ASCII digits."""
    return ((w & _D8_MASK) == _D8_ZERO) & (((w + _D8_SIX) & _D8_MASK) == _D8_ZERO)


#: zero bytes after a block's bytes in its padded copy (windows of up to this many bytes
#: can be read from any position of the block)
PAD = 136


def windows(padded: np.ndarray, width: int) -> np.ndarray:
    """``padded`` (a block and ``PAD`` zero bytes) as one item of ``width`` bytes starting
    at each position of the block (a view): indexing it with positions copies each
    window whole, much faster than indexing bytes."""
    assert width <= PAD
    return np.ndarray(shape=(padded.size - PAD + 1,), dtype=np.dtype((np.void, width)),
                      buffer=padded, strides=(1,))


def gather(padded: np.ndarray, positions: np.ndarray, width: int) -> np.ndarray:
    """The ``width`` bytes from each of ``positions`` (inside the block), as a (len, width)
    uint8 array."""
    return windows(padded, width)[positions].view(np.uint8).reshape(positions.size, width)


def _value4(w: np.ndarray) -> np.ndarray:
    """The number four ASCII digits (a little-endian uint32, first digit in the low byte)
    spell; meaningless where ``_digits4`` is False."""
    v = (w - _D_ZERO) & np.uint32(0x0F0F0F0F)
    v = (v * np.uint32(10) + (v >> np.uint32(8))) & np.uint32(0x00FF00FF)
    return ((v * np.uint32(100) + (v >> np.uint32(16))) & np.uint32(0xFFFF)).astype(np.int64)


_V8_ZERO, _V8_LOW = np.uint64(0x3030303030303030), np.uint64(0x0F0F0F0F0F0F0F0F)
_V8_PAIRS, _V8_QUADS = np.uint64(0x00FF00FF00FF00FF), np.uint64(0x0000FFFF0000FFFF)


def _value8(w: np.ndarray) -> np.ndarray:
    """The numbers the first four and the last four of eight ASCII digits (a little-endian
    uint64, first digit in the low byte) spell, in its low and high 32 bits; meaningless
    where ``_digits8`` is False."""
    v = w - _V8_ZERO
    v &= _V8_LOW
    v = v * np.uint64(10) + (v >> np.uint64(8))
    v &= _V8_PAIRS
    v = v * np.uint64(100) + (v >> np.uint64(16))
    v &= _V8_QUADS
    return v


def positions_of(arr: np.ndarray, byte: int) -> np.ndarray:
    """Where ``byte`` is in ``arr``, in order (``np.flatnonzero(arr == byte)``, several times
    faster for a byte as rare as a record terminator: the eight-byte words holding one
    are found first, then the byte in each)."""
    eq = arr == byte
    cut = arr.size - arr.size % 8
    hit = np.flatnonzero(eq[:cut].view(np.uint64) != 0)
    at = np.flatnonzero(eq[:cut].reshape(-1, 8)[hit])
    out = hit[at >> 3] * 8 + (at & 7)
    if cut < arr.size:
        out = np.concatenate((out, cut + np.flatnonzero(eq[cut:])))
    return out


def sorted_distinct(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-D array (its distinct values, increasing), without what
    ``np.unique`` costs a process the first time it is called with no ``return_*``
    option: it imports ``numpy.ma`` (10-25 ms of every worker's first block)."""
    s = np.sort(a)
    if s.size > 1:
        keep = np.empty(s.size, dtype=bool)
        keep[0] = True
        np.not_equal(s[1:], s[:-1], out=keep[1:])
        s = s[keep]
    return s


def first_index(rec_of_entry: np.ndarray, mask: np.ndarray, nrec: int) -> np.ndarray:
    """Per record, the index of its first entry where ``mask`` holds, or -1."""
    return first_of(rec_of_entry, np.flatnonzero(mask), nrec)


def first_of(rec_of_entry: np.ndarray, idx: np.ndarray, nrec: int) -> np.ndarray:
    """Per record, the first of the entries ``idx`` (increasing) that is its, or -1."""
    out = np.full(nrec, -1, dtype=np.int64)
    if idx.size:
        recs = rec_of_entry[idx]
        # first occurrence per record: idx is increasing and recs non-decreasing
        first = np.ones(idx.size, dtype=bool)
        first[1:] = recs[1:] != recs[:-1]
        out[recs[first]] = idx[first]
    return out


def utf8_valid(buf: bytes, arr: np.ndarray, top: int | None = None) -> bool:
    """Whether the whole block is valid UTF-8 (``top``: its greatest byte, when known).

    Cyrillic text is two-byte sequences only: where no byte is 0xC0, 0xC1 or above 0xDF,
    the block is valid exactly when every byte after a lead byte (0xC2-0xDF), and no other,
    is a continuation byte (0x80-0xBF), a check numpy does in a few passes.  Anything else
    is left to Python's decoder."""
    if top is None:
        top = int(arr.max())
    if top > 0xDF or b"\xc0" in buf or b"\xc1" in buf:
        try:
            buf.decode("utf-8")
            return True
        except UnicodeDecodeError:
            return False
    if arr.size < 2:
        return top < 0x80
    lead = arr >= 0xC2
    cont = arr >= 0x80
    cont ^= lead  # 0x80-0xBF (0xC0 and 0xC1 are absent)
    if cont[0] or lead[-1]:
        return False
    # each continuation byte exactly where a lead byte is before it (in place: no new
    # arrays of the block's size)
    np.not_equal(cont[1:], lead[:-1], out=cont[1:])
    return not cont.any()


_ENC_NAMES = {0: None, 1: UTF8, 2: MARC8, 3: CP1251, 4: KOI8R}


def combo_outcome(c: int, encoding: str | None) -> tuple[str, str] | None:
    """(encoding, reason) the careful path decides for the records of encoding case ``c``
    (bits: beyond ASCII, escapes, valid UTF-8, declared encoding (3), UNIMARC), or None
    where the block reader cannot settle it."""
    if encoding is not None:
        return (encoding, "--encoding")
    fl = "unimarc" if c & 1 else "marc21"
    cc = c >> 1
    h, e, u, d = bool(cc >> 5 & 1), bool(cc >> 4 & 1), bool(cc >> 3 & 1), _ENC_NAMES.get(cc & 7)
    o = quick_outcome(h, e, u, d, fl)
    # MARC-8 with bytes beyond ASCII is decoded by pymarc, which may complain: careful path
    if o is None or (o[0] == MARC8 and (h or e)):
        return None
    return o


@dataclass(eq=False)
class BlockIndex:
    """Where the records and fields of one block lie (all arrays, positions in the block).

    Per record (``nrec``): ``starts``/``ends`` (the record terminator), ``lead`` (the leader
    and the first entry, 36 bytes), ``clean`` (see the module), ``unimarc`` (its flavour:
    UNIMARC family, else MARC 21), ``combo`` (its encoding case, see ``combo_outcome``),
    ``first_entry``/``nent`` (its directory entries).  Per directory entry: ``rec_of_entry``,
    ``codes`` (the tag, ``tag_code``), ``s_abs`` (where its data starts) and ``flen`` (its
    length with the field terminator).  Entries of records that are not clean may be
    meaningless: read them only for clean records."""

    buf: bytes
    arr: np.ndarray
    nrec: int
    starts: np.ndarray
    ends: np.ndarray
    lead: np.ndarray
    clean: np.ndarray
    unimarc: np.ndarray
    combo: np.ndarray
    first_entry: np.ndarray
    nent: np.ndarray
    rec_of_entry: np.ndarray
    codes: np.ndarray
    s_abs: np.ndarray
    flen: np.ndarray
    #: per record: 100$a's first 30 bytes (where the record has a 100 whose first subfield
    #: is $a), its length within them, and whether it is there
    a100: np.ndarray
    a100_len: np.ndarray
    has100a: np.ndarray
    #: the block's bytes and ``PAD`` zero bytes (``gather``, ``windows`` read it)
    padded: np.ndarray | None = None
    #: per record: 100$a's first 8 bytes (as ``a100``) as one little-endian word
    a100_word: np.ndarray | None = None
    #: per tag code: its entries (``entries_of``), found once per block
    _tag_entries: dict = field(default_factory=dict, repr=False)

    @property
    def rows(self) -> np.ndarray:
        """rows[i]: the 40 bytes from position i (a view, no copy)."""
        padded = self.padded
        if padded is None:
            padded = np.zeros(self.arr.size + PAD, dtype=np.uint8)
            padded[:self.arr.size] = self.arr
        return np.lib.stride_tricks.sliding_window_view(padded, 40)

    def count_of(self, tag: str) -> np.ndarray:
        """Per record, how many fields ``tag`` it has."""
        return np.bincount(self.rec_of_entry[self.entries_of(tag_code(tag))], minlength=self.nrec)

    def entries_of(self, code: int, recs: np.ndarray | None = None) -> np.ndarray:
        """The entries (increasing) whose tag is ``code`` (``tag_code``), of every record or
        of the records ``recs`` (increasing).  A few records' entries are looked at alone
        (a rule's condition on the records still open: a few hundred of a block); the
        block's entries of a tag are found once and kept."""
        if recs is not None and recs.size * 16 < self.nrec:
            nent = self.nent[recs]
            total = int(nent.sum())
            if not total:
                return np.zeros(0, dtype=np.int64)
            ends = np.cumsum(nent)
            # each record's entries: first_entry + 0 .. nent - 1
            ent = np.repeat(self.first_entry[recs] - (ends - nent), nent) + np.arange(total)
            return ent[self.codes[ent] == code]
        hit = self._tag_entries.get(code)
        if hit is None:
            hit = self._tag_entries[code] = np.flatnonzero(self.codes == code)
        if recs is None or recs.size == self.nrec:
            return hit
        member = np.zeros(self.nrec, dtype=bool)
        member[recs] = True
        return hit[member[self.rec_of_entry[hit]]]

    def field_bytes(self, e: int) -> bytes:
        """The bytes of entry ``e``'s field, without its field terminator."""
        a = int(self.s_abs[e])
        return self.buf[a:a + int(self.flen[e]) - 1]


def records_of(ix: BlockIndex, which: np.ndarray, tags: frozenset[str] | None) -> list[Record]:
    """The records ``which`` (clean ones) with only the fields ``tags`` (None: all), decoded
    as the careful reader decodes them, in one pass over the entries they need."""
    member = np.zeros(ix.nrec, dtype=bool)
    member[which] = True
    sel = member[ix.rec_of_entry]
    if tags is not None:
        sel &= np.isin(ix.codes, [tag_code(t) for t in tags])
    ent = np.flatnonzero(sel)
    buf = ix.buf
    out_fields: dict[int, list] = {int(r): [] for r in which.tolist()}
    names: dict[int, str] = {}
    for r, c, a, ln in zip(ix.rec_of_entry[ent].tolist(), ix.codes[ent].tolist(),
                           ix.s_abs[ent].tolist(), ix.flen[ent].tolist()):
        tag = names.get(c)
        if tag is None:
            tag = names[c] = code_tag(c)
        out_fields[r].append(_field(tag, buf[a:a + ln - 1].decode("utf-8")))
    starts = ix.starts
    return [Record(buf[int(starts[r]):int(starts[r]) + 24].decode("ascii"), out_fields[r])
            for r in which.tolist()]


def index_block(buf: bytes, *, encoding: str | None, flavour: str | None) -> BlockIndex | None:
    """The index of ``buf`` (a block of a file starting on a record boundary); None when the
    block's structure is not a plain run of records (a leader that is not well formed, a
    length that disagrees with the record terminator, bytes between records): the careful
    reader reads such a block whole."""
    if flavour not in (None, UNIMARC, MARC21):
        return None
    arr = np.frombuffer(buf, dtype=np.uint8)
    n = arr.size
    if n == 0:
        return None
    ends = positions_of(arr, RT)
    if ends.size == 0 or ends[-1] != n - 1:
        return None
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    size = ends - starts + 1
    nrec = ends.size
    if size.min() < 37:
        return None
    padded = np.empty(n + PAD, dtype=np.uint8)
    padded[:n] = arr
    padded[n:] = 0
    lead = gather(padded, starts, 36)  # leader and the first directory entry
    # every byte in one of the classes its position allows (one table look-up a byte)
    if not _lead_ok(lead):
        return None
    lead_words = lead.view("<u4")  # four bytes at a time: leader/0-3, 4-7, ...
    length = _value4(lead_words[:, 0]) * 10 + (lead[:, 4].astype(np.int64) - 48)
    if not (length == size).all():
        return None
    # -- per-record structure ------------------------------------------------------------
    base = _value4(lead_words[:, 3]) * 10 + (lead[:, 16].astype(np.int64) - 48)
    good = (base >= 37) & ((base - 25) % 12 == 0) & (base < size)
    good &= _OK20[lead[:, 20]] & _OK21[lead[:, 21]]
    base_c = np.where(good, base, 37)
    good &= arr[np.minimum(starts + base_c - 1, n - 1)] == FT
    nent = np.where(good, (base_c - 25) // 12, 0)
    total = int(nent.sum())
    rec_of_entry = np.repeat(np.arange(nrec), nent)
    ends_of = np.cumsum(nent)
    first_entry = ends_of - nent
    # entry k of a record lies at start + 24 + 12 k, and is entry first_entry + k
    epos = np.repeat(starts + 24 - 12 * first_entry, nent) + 12 * np.arange(total)
    # each entry with the five bytes before it, as three little-endian words: [. . . . .
    # t t t] [length, start's first four digits] [start's last digit ...]; the length and
    # the start's first digits are read eight digits at a time
    words = windows(padded, 24)[epos - 5].view("<u8").reshape(total, 3)
    # the three words as contiguous columns (numpy's vector loops need them so)
    w_tag, w_num, w_last = np.ascontiguousarray(words.T)
    s4 = w_last & np.uint64(0xFF)
    digits_ok = _digits8(w_num) & ((s4 - np.uint64(48)) < 10)
    both = _value8(w_num)  # the length in the low half, the start's first digits in the high
    flen = (both & np.uint64(0xFFFF)).view(np.int64)
    both >>= np.uint64(32)
    both *= np.uint64(10)
    both += s4
    fstart = both.view(np.int64)
    fstart -= 48
    if not digits_ok.all():
        flen[~digits_ok] = 0
        fstart[~digits_ok] = 0
    s_abs = np.repeat(starts + base_c, nent) + fstart
    e_abs = s_abs + flen
    # each field ends on a field terminator; the fields are contiguous and in directory
    # order from the data's start, and the last one ends at the record terminator (below):
    # so the data area is the fields' bytes, and every field lies inside the record
    ent_ok = digits_ok & (flen > 0)
    ent_ok &= np.take(arr, e_abs - 1, mode="clip") == FT
    has = nent > 0
    if total:
        expected = np.empty(total, dtype=np.int64)  # where each field should start
        expected[1:] = fstart[:-1] + flen[:-1]
        expected[first_entry[has]] = 0
        ent_ok &= fstart == expected
        good &= np.bincount(rec_of_entry[~ent_ok], minlength=nrec) == 0
    good &= has
    last_end = np.zeros(nrec, dtype=np.int64)
    if total:
        last_end[has] = e_abs[ends_of[has] - 1]
    good &= last_end == ends
    w_tag >>= np.uint64(40)  # the tag's bytes, first lowest
    codes = w_tag.view(np.int64)  # the tag, little-endian
    tb = w_tag.astype(np.uint32)  # (the tests below on half the bytes)
    if not good.any():  # no record to settle: the careful reader parses each one
        z = np.zeros(nrec, dtype=np.int64)
        return BlockIndex(buf=buf, arr=arr, nrec=nrec, starts=starts, ends=ends,
                          lead=lead, clean=good, unimarc=np.ones(nrec, dtype=bool), combo=z,
                          first_entry=first_entry, nent=nent, rec_of_entry=rec_of_entry,
                          codes=codes, s_abs=s_abs, flen=flen,
                          a100=np.zeros((nrec, 30), dtype=np.uint8), a100_len=z,
                          has100a=np.zeros(nrec, dtype=bool), padded=padded)
    # the careful reader ends the directory at its first field terminator: a terminator
    # before the base address (inside a tag, say) is damage it reports, so such a record
    # is its to read; so is one with a tag that is not letters and digits.  A good
    # record's directory is its entries' bytes (base = 25 + 12 entries), each entry's
    # length and start are digits (``digits_ok``) and its tag letters and digits (below),
    # and the byte at the base address - 1 is a field terminator: so its first field
    # terminator after the leader is that one, with no search for it.
    digit_tag = _digits3(tb)  # most tags are digits: letters are looked at where they are not
    all_digits = bool(digit_tag.all())
    if not all_digits:
        odd = np.flatnonzero(~digit_tag)
        bad = odd[~_is_alnum(words[odd].view(np.uint8)[:, 5:8]).all(1)]
        if bad.size:
            good[rec_of_entry[bad]] = False
    # the digit tags' low nibbles, first lowest (12 bits): what ``_TAG_FLAGS`` and
    # ``_WEIGHT_BITS`` are indexed by
    nibbles = (tb & np.uint32(0xF)) | ((tb >> np.uint32(4)) & np.uint32(0xF0)) | ((tb >> np.uint32(8)) & np.uint32(0xF00))
    # (np.take: quicker than indexing with these uint32 numbers)
    tflags = np.take(_TAG_FLAGS, nibbles)
    if not all_digits:
        tflags = np.where(digit_tag, tflags, 0)
    # a repeated control field that is not repeatable is reported by the careful reader
    once = np.flatnonzero(tflags & _ONCE_ANY)
    once_flags = tflags[once] & _ONCE_ANY
    if once.size:
        # per record and non-repeatable tag (its index, 1-7, in the flags' high bits)
        times = np.bincount((rec_of_entry[once] << 3) | (once_flags >> 5), minlength=nrec << 3)
        twice = times > 1
        if twice.any():
            good[np.flatnonzero(twice) >> 3] = False
    # -- 100$a: the flavour's bonus and UNIMARC's declared encoding read it --------------
    # (100 is among the tags checked for repeats: its entries are some of those)
    i100 = first_of(rec_of_entry, once[once_flags == _ONCE_100], nrec)
    s100 = np.where(i100 >= 0, s_abs[np.maximum(i100, 0)], 0)
    l100 = np.where(i100 >= 0, flen[np.maximum(i100, 0)], 0)
    # 100$a must start right after the indicators, and its first 32 bytes be in the field
    has100a = (i100 >= 0) & (l100 >= 5)
    win = gather(padded, np.clip(s100 + 2, 0, n - 1), 32)
    has100a &= (win[:, 0] == SD) & (win[:, 1] == 97)
    a100 = win[:, 2:32]  # 30 bytes of 100$a (or what follows it)
    # $a ends at the next subfield delimiter or at the field's end (a field terminator
    # inside the data is the careful reader's text, not the end)
    stop = a100 == SD
    first_stop = stop.argmax(1)
    first_stop[~stop[np.arange(nrec), first_stop]] = 30
    a100_len = np.minimum(first_stop, np.maximum(l100 - 5, 0))
    # the careful path finds '\x1fa' anywhere in the first 100: where 100 exists but $a
    # is not first, leave the record to it
    good &= (i100 < 0) | has100a
    # the careful path decodes 100$a before measuring it: non-ASCII in it changes lengths
    w100 = win.view(np.uint64)
    good &= ~((((w100[:, 0] | w100[:, 1] | w100[:, 2] | w100[:, 3]) & _HIGH8) != 0) & has100a)
    # IRBIS-native records (920 or 907, no 100$a) are a flavour of their own: careful reader
    irbis_tags = np.zeros(nrec, dtype=bool)
    irbis_tags[rec_of_entry[np.flatnonzero(tflags & _IRBIS)]] = True
    # -- flavour ---------------------------------------------------------------------------
    a100_word = np.ascontiguousarray(a100[:, 0:8]).view("<u8")[:, 0]
    date8 = has100a & (a100_len >= 8) & _digits8(a100_word)
    bonus = np.where(date8 & (a100_len >= 22), 3, 0)
    if flavour is not None:
        fl_unimarc = np.full(nrec, flavour == "unimarc")
    else:
        # the score counts each weighted tag once per record (a set of tags): one bit per
        # weighted tag, OR-ed over the record's entries (they are contiguous per record)
        bits = np.take(_WEIGHT_BITS, nibbles)
        if not all_digits:
            bits = np.where(digit_tag, bits, 0)
        has = nent > 0
        mask = np.zeros(nrec, dtype=np.int64)
        if has.any():
            mask[has] = np.bitwise_or.reduceat(bits, first_entry[has])
        score = bonus.astype(np.int64)
        for shift, table in _SCORE_TABLES:
            score += table[(mask >> shift) & _SCORE_MASK]
        fl_unimarc = (score > 0) | ((score == 0) & (lead[:, 9] != 97))
    good &= ~(fl_unimarc & irbis_tags & ~has100a)
    # -- encoding --------------------------------------------------------------------------
    data_start = starts + base_c
    # a clean record's leader and directory are ASCII (their bytes' classes are checked
    # above, the leader's by _lead_ok): what is beyond ASCII or an escape in a clean record
    # is in its data, so the records' greatest bytes (one pass over the block, no flag per
    # byte) say which have bytes beyond ASCII
    top = np.maximum.reduceat(arr, starts)
    high = top >= 0x80
    esc = (np.logical_or.reduceat(arr == 0x1B, starts) if b"\x1b" in buf
           else np.zeros(nrec, dtype=bool))
    utf8_ok = np.zeros(nrec, dtype=bool)
    if high.any():
        if utf8_valid(buf, arr, int(top.max())):
            utf8_ok = high.copy()  # (the careful reader tries UTF-8 only where bytes are high)
        else:
            for i in np.flatnonzero(high & good):
                try:
                    buf[data_start[i]:ends[i]].decode("utf-8")
                    utf8_ok[i] = True
                except UnicodeDecodeError:
                    pass
    # declared encoding: MARC 21 leader/09; UNIMARC 100$a/26-29 ('50', '89', '02')
    d_marc = np.where(lead[:, 9] == 97, 1, np.where(lead[:, 9] == 32, 2, 0))  # 1 utf8 2 marc8
    a2627 = (a100[:, 26].astype(np.int64) << 8) | a100[:, 27]
    a2829 = (a100[:, 28].astype(np.int64) << 8) | a100[:, 29]
    c02 = ord("0") << 8 | ord("2")  # ISO 5427 Cyrillic (KOI-8) in G0 or G1
    koi = (a2627 == c02) | ((a100_len >= 30) & (a2829 == c02))
    d_uni = np.where(has100a & (a100_len >= 28) & (a2627 == (ord("5") << 8 | ord("0"))), 1,
                     np.where(has100a & (a100_len >= 28) & (a2627 == (ord("8") << 8 | ord("9"))), 3,
                              np.where(has100a & (a100_len >= 28) & koi, 4, 0)))
    declared = np.where(fl_unimarc, d_uni, d_marc)
    if encoding is not None:  # forced: only ASCII records read the same in any encoding
        good &= ~high & ~esc
    combo = (high.astype(np.int64) << 5) | (esc.astype(np.int64) << 4) | (utf8_ok.astype(np.int64) << 3) \
        | declared
    combo = combo * 2 + fl_unimarc
    settled = np.zeros(1 << 7, dtype=bool)
    for c in np.flatnonzero(np.bincount(combo[good], minlength=1 << 7)).tolist():
        o = combo_outcome(c, encoding)
        # the block reader decodes clean records as UTF-8: ASCII or valid UTF-8 only
        settled[c] = o is not None and (not (c >> 6 & 1) or (c >> 4 & 1 and o[0] == UTF8))
    good &= settled[combo]
    return BlockIndex(buf=buf, arr=arr, nrec=nrec, starts=starts, ends=ends, lead=lead,
                      clean=good, unimarc=fl_unimarc, combo=combo, first_entry=first_entry,
                      nent=nent, rec_of_entry=rec_of_entry, codes=codes, s_abs=s_abs, flen=flen,
                      a100=a100, a100_len=a100_len, has100a=has100a, padded=padded,
                      a100_word=a100_word)
