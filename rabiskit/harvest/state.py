"""The small JSON state file kept beside a harvest's output, so it can resume.

``FILE.xml.harvest.json`` says which harvest it belongs to (protocol and the parameters
that define the result: URL, query or prefix, dates, set), where the next page starts
(SRU startRecord or OAI-PMH resumption token), how many records are written and how
many bytes of ``FILE.xml.part`` hold them.  It is replaced atomically, and only after
the page's records are on disk.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from rabiskit.i18n import N_
from rabiskit.harvest.errors import ResumeMismatch

STATE_VERSION = 1


def part_path(output: Path) -> Path:
    """Where records are appended while the harvest runs."""
    return output.with_name(output.name + ".part")


def state_path(output: Path) -> Path:
    """Where the harvest's state is kept while it runs."""
    return output.with_name(output.name + ".harvest.json")


@dataclass
class HarvestState:
    """Progress of one harvest.

    protocol: 'sru' or 'oai'.
    params: what defines the harvest (url, query/schema or prefix/from/until/set); a resume with
        other values is refused.
    started: False until the first page was requested (then ``next`` None means: finished).
    next: SRU startRecord or OAI resumption token of the next page; None before the first
        page and after the last.
    records / deleted / duplicates / skipped: counts so far (written, deleted on the server,
        already written and so left out, not delivered by the server).
    done / total: progress as the server counts it (positions passed, numberOfRecords or
        completeListSize).
    part_bytes: length of the .part file that holds exactly the records written.
    pages: answers processed so far.
    """

    protocol: str
    params: dict[str, str | None]
    started: bool = False
    next: int | str | None = None
    records: int = 0
    deleted: int = 0
    duplicates: int = 0
    skipped: int = 0
    done: int = 0
    total: int | None = None
    part_bytes: int = 0
    pages: int = 0
    updated: str = ""
    version: int = STATE_VERSION
    skipped_messages: list[str] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.started and self.next is None


def save_state(path: Path, state: HarvestState) -> None:
    """Write the state atomically (temporary file, fsync, replace)."""
    state.updated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    temp = path.with_name(path.name + ".tmp")
    with open(temp, "w", encoding="utf-8") as handle:
        json.dump(asdict(state), handle, ensure_ascii=False, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)


def load_state(path: Path) -> HarvestState:
    """Read a state file; ResumeMismatch when it cannot be understood."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != STATE_VERSION:
            raise ValueError("unknown version")
        names = set(HarvestState.__dataclass_fields__)
        return HarvestState(**{k: v for k, v in data.items() if k in names})
    except (OSError, ValueError, TypeError) as exc:
        raise ResumeMismatch(N_("{path} is not a harvest state file rabiskit can read ({exc}); use --restart to start the harvest again").format(
            path=path, exc=exc)) from None


def check_same_harvest(state: HarvestState, protocol: str, params: dict[str, str | None], path: Path) -> None:
    """ResumeMismatch when the state belongs to another harvest than the one asked for."""
    if state.protocol != protocol:
        raise ResumeMismatch(N_("{path} belongs to an {protocol} harvest, not {protocol2}; use --restart to start over, or another output file").format(
            path=path, protocol=state.protocol.upper(), protocol2=protocol.upper()))
    differ = [key for key in sorted(set(state.params) | set(params)) if state.params.get(key) != params.get(key)]
    if differ:
        key = differ[0]
        raise ResumeMismatch(
            N_("{path} belongs to another harvest ({key} was {params!r}, now {params2!r}); use --restart to start over, or another output file").format(
                path=path, key=key, params=state.params.get(key), params2=params.get(key)))
