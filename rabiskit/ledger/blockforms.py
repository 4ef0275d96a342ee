"""What the ledger stores of a block's clean records, straight from their bytes.

``rabiskit.ledger.codec`` defines a record's stored form from the decoded record: the
checksum is the SHA-256 of ``canonical_bytes(record)`` and the blob the compressed
``record_text(record)``.  For a record the block reader settles as clean
(``rabiskit.facts.blocks``: its structure sound, its bytes ASCII or valid UTF-8, decoded
as UTF-8 field by field), both texts are the record's own bytes rearranged, so
``stored_forms`` builds them for all such records of a block at once, with numpy, as
the careful path would build them from the decoded record:

* the canonical bytes: the leader with positions 0-4, 10-11, 12-16 and 20-23 blanked,
  then per field (directory order) 0x1E, the tag and ``=`` and the text for a field
  without a subfield delimiter (``Field.data``), else the tag and the field's bytes
  (two indicators and its subfields, each 0x1F, a code and the value);
* the record's text: the same with the whole leader (``record_text``'s own form).

Only records where the bytes say exactly what the decoded record holds are built here
(``plain``): no control byte in the data but the terminators and the subfield
delimiters, every data field's first delimiter at its third byte after two one-byte
indicators (``_field`` takes the indicators from the text before it), every delimiter
followed by a one-byte code (a delimiter before another, or at a field's end, is an empty
subfield the reader drops), a leader not beginning with ``{``.  The others are left to
``canonical_bytes`` and ``record_text`` on the decoded record.
``tests/test_ledger_bytes.py`` checks both against the careful reader's records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from rabiskit.facts.blocks import SD, BlockIndex

#: separates records in the bytes built for a whole block (no plain record holds it)
_SEP = b"\x02"
# the canonical bytes' fixed parts: the leader's blanks, a field's start, a control field's
# '=', the separator
_POOL = b"     " + b"       " + b"    " + b"\x1e" + b"=" + _SEP
_C_5, _C_7, _C_4, _C_FT, _C_EQ, _C_SEP = (0, 5), (5, 7), (12, 4), (16, 1), (17, 1), (18, 1)
_POOL_ARR = np.frombuffer(_POOL, dtype=np.uint8)


@dataclass
class BlockForms:
    """The stored forms of the records ``which`` (positions in the block, increasing):
    their checksums (hex) and texts (``record_text``: UTF-8 bytes, not compressed), in
    order."""

    which: np.ndarray
    checksums: list[str]
    texts: list[bytes]


class _Layout:
    """The fields of the records ``recs`` (clean ones of ``ix``), and their subfield
    delimiters."""

    def __init__(self, ix: BlockIndex, recs: np.ndarray, sd: np.ndarray | None = None) -> None:
        # (``sd``: the subfield delimiters of the bytes from ``recs``' first record to its
        # last, or more of them: those outside the records' fields are left out below)
        self.recs = recs
        nent = ix.nent[recs]
        self.nent = nent
        first = ix.first_entry[recs]
        total = int(nent.sum())
        # the entries of the records, in order (each record's are contiguous)
        rec_pos = np.repeat(np.arange(recs.size), nent)
        ent_first = np.repeat(first - (np.cumsum(nent) - nent), nent)
        ent = ent_first + np.arange(total)
        self.ent = ent
        self.rec_pos = rec_pos  # the entry's record (position in ``recs``)
        self.k = ent - np.repeat(first, nent)  # the entry's place in its record
        self.fs = ix.s_abs[ent]
        self.fe = self.fs + ix.flen[ent] - 1  # its field terminator
        self.tagpos = np.repeat(ix.starts[recs] + 24, nent) + 12 * self.k
        if not total:
            sd = np.zeros(0, dtype=np.int64)
        elif sd is None:
            lo = int(ix.starts[recs[0]])
            sd = np.flatnonzero(ix.arr[lo:int(ix.ends[recs[-1]]) + 1] == SD) + lo
        j = np.searchsorted(self.fs, sd, side="right") - 1
        inside = (j >= 0) & (sd < self.fe[np.maximum(j, 0)])
        self.sd = sd[inside]
        self.sd_ent = j[inside]  # the delimiter's entry (position in ``ent``)
        self.nsub = np.bincount(self.sd_ent, minlength=total)

    def part(self, a: int, b: int) -> "_Layout":
        """The layout of the records ``recs[a:b]`` (as ``_Layout(ix, recs[a:b])`` finds it),
        taken from this one: their entries and delimiters are contiguous here."""
        out = object.__new__(_Layout)
        cum = self.entry_starts
        e0, e1 = int(cum[a]), int(cum[b])
        s0, s1 = np.searchsorted(self.sd_ent, (e0, e1)).tolist()
        out.recs = self.recs[a:b]
        out.nent = self.nent[a:b]
        out.ent = self.ent[e0:e1]
        out.rec_pos = self.rec_pos[e0:e1] - a
        out.k = self.k[e0:e1]
        out.fs = self.fs[e0:e1]
        out.fe = self.fe[e0:e1]
        out.tagpos = self.tagpos[e0:e1]
        out.sd = self.sd[s0:s1]
        out.sd_ent = self.sd_ent[s0:s1] - e0
        out.nsub = self.nsub[e0:e1]
        return out

    @property
    def entry_starts(self) -> np.ndarray:
        """Where each record's entries begin in ``ent`` (and, last, their number)."""
        cum = np.zeros(self.recs.size + 1, dtype=np.int64)
        np.cumsum(self.nent, out=cum[1:])
        return cum

    def shift(self, lo: int) -> None:
        """Positions from ``lo`` on (in a copy of the block's bytes from there)."""
        self.fs = self.fs - lo
        self.fe = self.fe - lo
        self.tagpos = self.tagpos - lo
        self.sd = self.sd - lo


def _plain(ix: BlockIndex, recs: np.ndarray) -> tuple[np.ndarray, _Layout, np.ndarray]:
    """Which of the records ``recs`` (clean) ``stored_forms`` builds from their bytes, the
    layout of ``recs``, and the subfield delimiters of their span (for the layout of a part
    of them)."""
    arr = ix.arr
    if not recs.size:
        return np.zeros(0, dtype=bool), _Layout(ix, recs), np.zeros(0, dtype=np.int64)
    # the control bytes of the records' span, found once: the subfield delimiters for the
    # layout, the others counted per record (a few dozen a record: counting them by
    # position takes a fifth of the time of a running count over every byte of the block)
    lo = int(ix.starts[recs[0]])
    low = np.flatnonzero(arr[lo:int(ix.ends[recs[-1]]) + 1] < 0x20) + lo
    is_sd = arr[low] == SD
    delimiters = low[is_sd]
    lay = _Layout(ix, recs, delimiters)
    ctrl = low[~is_sd]
    # no control byte in the data area but the field terminators, the record terminator
    # and the subfield delimiters
    data_start = ix.s_abs[ix.first_entry[recs]]
    ends = ix.ends[recs]
    good = (np.searchsorted(ctrl, ends, side="right") - np.searchsorted(ctrl, data_start)
            == lay.nent + 1)
    bad_ent = np.zeros(lay.ent.size, dtype=bool)
    sd = lay.sd
    if sd.size:
        # each delimiter followed by a one-byte code (not a delimiter, not the terminator)
        nxt = arr[sd + 1]
        bad_ent[lay.sd_ent[(nxt < 0x20) | (nxt >= 0x80)]] = True
        # a data field's first delimiter is its third byte, after two one-byte indicators
        first = np.ones(sd.size, dtype=bool)
        first[1:] = lay.sd_ent[1:] != lay.sd_ent[:-1]
        f_sd, f_ent = sd[first], lay.sd_ent[first]
        fs = lay.fs[f_ent]
        bad_ent[f_ent[(f_sd != fs + 2) | (arr[fs] >= 0x80) | (arr[fs + 1] >= 0x80)]] = True
    if bad_ent.any():
        good &= np.bincount(lay.rec_pos[bad_ent], minlength=recs.size) == 0
    good &= arr[ix.starts[recs]] != ord("{")  # (the text would read as JSON)
    return good, lay, delimiters


def _expand(src: np.ndarray, ln: np.ndarray, source: np.ndarray) -> bytes:
    """The bytes of the segments (start in ``source``, length), one after the other."""
    total = int(ln.sum())
    if not total:
        return b""
    out_start = np.cumsum(ln) - ln
    # (a chunk's bytes: positions fit 32 bits, half the memory to move; ``take`` gathers
    # with them as they are, where indexing with them casts them to 64 bits first: 0.6 of
    # the time, measured on a chunk's 270 KB)
    idx = np.repeat((src - out_start).astype(np.int32), ln)
    idx += np.arange(total, dtype=np.int32)
    return source.take(idx).tobytes()


#: records built together (the temporary arrays stay small: memory stays flat)
CHUNK = 500


def stored_forms(ix: BlockIndex, which: np.ndarray) -> tuple[BlockForms, np.ndarray]:
    """The BlockForms of the plain records among ``which`` (clean records of ``ix``,
    increasing), and the others of ``which`` (left to the decoded records)."""
    which = np.asarray(which, dtype=np.int64)
    ok, lay, sd = _plain(ix, which)
    recs = which[ok]
    rest = which[~ok]
    if rest.size:  # (the layout of the plain ones alone)
        lay = _Layout(ix, recs, sd)
    checksums: list[str] = []
    texts: list[bytes] = []
    for k in range(0, recs.size, CHUNK):
        c, t = _forms(ix, recs[k:k + CHUNK], lay.part(k, min(k + CHUNK, recs.size)))
        checksums += c
        texts += t
    return BlockForms(recs, checksums, texts), rest


def _forms(ix: BlockIndex, recs: np.ndarray, lay: _Layout) -> tuple[list[str], list[bytes]]:
    """The checksums and texts of the plain records ``recs`` (increasing; ``lay`` their
    layout, changed here)."""
    # the records' bytes and the fixed parts after them: positions are in this copy
    lo = int(ix.starts[recs[0]])
    hi = int(ix.ends[recs[-1]]) + 1
    source = np.concatenate((ix.arr[lo:hi], _POOL_ARR))
    base = hi - lo
    lay.shift(lo)
    starts = ix.starts[recs] - lo
    m = recs.size
    nent, rec_pos = lay.nent, lay.rec_pos
    n_e = lay.ent.size
    last_of = np.cumsum(nent) - 1
    first_of = last_of - nent + 1
    is_last = np.zeros(n_e, dtype=bool)
    is_last[last_of] = True
    control = lay.nsub == 0
    flen = lay.fe - lay.fs  # without the terminator

    def const(at: tuple[int, int]) -> tuple[int, int]:
        return base + at[0], at[1]

    # per record 5 segments of the leader (the blanks and the positions kept), per field 4
    # and a separator after the record's last (a clean record has a field)
    c_src = np.zeros((m, 5), dtype=np.int64)
    c_len = np.zeros((m, 5), dtype=np.int64)
    for col, (s, n) in enumerate((const(_C_5), (5, 5), const(_C_7), (17, 3), const(_C_4))):
        c_src[:, col] = s if col % 2 == 0 else starts + s
        c_len[:, col] = n
    f_src = np.zeros((n_e, 5), dtype=np.int64)
    f_len = np.zeros((n_e, 5), dtype=np.int64)
    f_src[:, 0], f_len[:, 0] = const(_C_FT)
    f_src[:, 1], f_len[:, 1] = lay.tagpos, 3
    f_src[:, 2], f_len[:, 2] = const(_C_EQ)[0], control
    f_src[:, 3], f_len[:, 3] = lay.fs, flen
    f_src[:, 4], f_len[:, 4] = const(_C_SEP)[0], is_last
    order_src = np.empty((m + n_e, 5), dtype=np.int64)
    order_len = np.empty((m + n_e, 5), dtype=np.int64)
    row_of_field = np.arange(n_e) + rec_pos + 1  # each record's leader row comes first
    row_of_lead = first_of + np.arange(m)
    order_src[row_of_lead], order_len[row_of_lead] = c_src, c_len
    order_src[row_of_field], order_len[row_of_field] = f_src, f_len
    canon = _expand(order_src.ravel(), order_len.ravel(), source).split(_SEP)
    canon.pop()
    # the texts: the whole leader before the canonical bytes' fields
    leaders = ix.arr[ix.starts[recs][:, None] + np.arange(24)].tobytes()
    sha = hashlib.sha256
    return ([sha(c).hexdigest() for c in canon],
            [leaders[k:k + 24] + c[24:] for k, c in zip(range(0, 24 * m, 24), canon)])
