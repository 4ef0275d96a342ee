"""The harvest's output: a MARC 21 slim collection written to ``FILE.xml.part``, page by page.

Each page's records are appended, flushed and fsynced before the state file moves on.
On resume the .part file is cut back to the length the state recorded, so a page
that was half written when the harvest stopped is written again exactly once.  On
completion the closing tag is written and the file renamed to ``FILE.xml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Iterator

from lxml import etree

from rabiskit.harvest.errors import ResumeMismatch
from rabiskit.harvest.records import SLIM_NS, record_key

HEADER = f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{SLIM_NS}">\n'.encode("utf-8")
FOOTER = b"</collection>\n"


class PartWriter:
    """Appends records to the .part file; ``size`` is the byte length known to be on disk."""

    def __init__(self, path: Path, handle, size: int):
        self.path = path
        self._handle = handle
        self.size = size

    @classmethod
    def create(cls, path: Path) -> "PartWriter":
        """Start a new .part file with the XML declaration and the opening <collection>."""
        handle = open(path, "wb")
        handle.write(HEADER)
        handle.flush()
        os.fsync(handle.fileno())
        return cls(path, handle, len(HEADER))

    @classmethod
    def resume(cls, path: Path, size: int) -> "PartWriter":
        """Reopen a .part file and cut it back to ``size`` bytes (what the state file vouches for)."""
        if not path.exists():
            raise ResumeMismatch(f"the partial output {path} is missing; use --restart to start the harvest again")
        actual = path.stat().st_size
        if actual < size or size < len(HEADER):
            raise ResumeMismatch(f"the partial output {path} is shorter than its state file says "
                                 f"({actual} bytes, expected {size}); use --restart to start the harvest again")
        handle = open(path, "r+b")
        handle.truncate(size)
        handle.seek(size)
        handle.flush()
        os.fsync(handle.fileno())
        return cls(path, handle, size)

    def write(self, records: Iterable[str]) -> int:
        """Append serialised records, flush and fsync; returns the new size."""
        data = "".join(records).encode("utf-8")
        if data:
            self._handle.write(data)
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self.size += len(data)
        return self.size

    def finish(self, output: Path) -> None:
        """Close the collection and move the file to its final name."""
        self._handle.write(FOOTER)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self._handle.close()
        os.replace(self.path, output)

    def close(self) -> None:
        if not self._handle.closed:
            self._handle.close()


def keys_in_part(path: Path, size: int) -> Iterator[str]:
    """The '003|001' keys of the records in the first ``size`` bytes of a .part file.

    Used on resume so that no record already written is written again.
    """
    parser = etree.XMLPullParser(events=("end",), tag=f"{{{SLIM_NS}}}record",
                                 resolve_entities=False, no_network=True, load_dtd=False)
    remaining = size
    try:
        with open(path, "rb") as handle:
            while remaining > 0:
                chunk = handle.read(min(remaining, 1 << 20))
                if not chunk:
                    break
                remaining -= len(chunk)
                parser.feed(chunk)
                yield from _keys(parser)
        parser.feed(FOOTER)
        yield from _keys(parser)
        parser.close()
    except etree.XMLSyntaxError as exc:
        raise ResumeMismatch(f"the partial output {path} is damaged ({exc}); "
                             "use --restart to start the harvest again") from None


def _keys(parser: etree.XMLPullParser) -> Iterator[str]:
    for _event, element in parser.read_events():
        key = record_key(element)
        element.clear()
        parent = element.getparent()
        if parent is not None:
            while element.getprevious() is not None:
                del parent[0]
        if key is not None:
            yield key
