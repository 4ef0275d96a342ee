"""Stream a harvest to a MARCXML file, keeping a state file so it can resume.

``harvest_to_file`` is protocol-neutral: it takes a function that yields Pages from a
cursor (None for the start), appends each page's records to ``FILE.xml.part``, then
records the new cursor in ``FILE.xml.harvest.json``.  Run again after an interruption,
it cuts the .part file back to what the state vouches for and continues from the
saved cursor; a record whose 003/001 is already in the file is not written again.
``harvest_sru_to_file`` and ``harvest_oai_to_file`` wire it to the two protocols.

A server that keeps handing out pages (a new resumption token, an SRU
``nextRecordPosition`` that advances) without a new record - no records at all, or only
records already harvested - would keep a harvest going as long as it likes: after
``max_empty_pages`` such pages in a row the harvest stops with ``Stalled``.  What was
harvested stays in the .part file and the state file, so running again resumes from
where it stopped.  A page counts as bringing something new when it holds a record not
written before (by 003/001, or by its content when it has no 001) or a deleted record
(OAI-PMH) not seen before.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from rabiskit.harvest.errors import Stalled, UsageError, clip
from rabiskit.i18n import N_, _
from rabiskit.harvest.http import HttpClient
from rabiskit.harvest.oai import check_oai_args, iter_oai_pages
from rabiskit.harvest.output import PartWriter, keys_in_part
from rabiskit.harvest.page import Page
from rabiskit.harvest.sru import check_sru_args, iter_sru_pages
from rabiskit.harvest.state import (HarvestState, check_same_harvest, load_state, part_path, save_state,
                                    state_path)

Cursor = int | str | None
ProgressFn = Callable[[int, int | None], None]

MAX_SKIPPED_MESSAGES = 100
#: pages in a row without a new record after which a harvest stops (see the module docstring)
DEFAULT_MAX_EMPTY_PAGES = 5


@dataclass
class HarvestResult:
    """What a finished harvest did.

    records: records written to ``output``; deleted: OAI-PMH deleted records seen (not written);
    duplicates: records left out because the same 003/001 was already written;
    skipped: records the server could not deliver (messages in ``skipped_messages``);
    total: the server's count of the result; pages: answers processed (over all runs);
    resumed: this run continued an interrupted harvest.
    """

    output: Path
    records: int
    deleted: int
    duplicates: int
    skipped: int
    total: int | None
    pages: int
    resumed: bool
    skipped_messages: list[str] = field(default_factory=list)


def harvest_to_file(pages: Callable[[Cursor], Iterable[Page]], output: Path, protocol: str,
                    params: dict[str, str | None], *, restart: bool = False,
                    progress: ProgressFn | None = None,
                    max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES) -> HarvestResult:
    """Run (or resume) a harvest into ``output``; see the module docstring."""
    if max_empty_pages < 1:
        raise UsageError(_("--max-empty-pages must be at least 1"))
    output = Path(output)
    if not output.parent.exists():
        raise UsageError(N_("the folder {parent} does not exist").format(parent=output.parent))
    part, state_file = part_path(output), state_path(output)
    if restart:
        for path in (part, state_file):
            path.unlink(missing_ok=True)

    seen: set[str] = set()
    state: HarvestState | None = None
    if state_file.exists():
        state = load_state(state_file)
        check_same_harvest(state, protocol, params, state_file)
        writer = PartWriter.resume(part, state.part_bytes)
        try:
            seen.update(keys_in_part(part, state.part_bytes))
        except Exception:
            writer.close()
            raise
        resumed = True
    else:
        writer = PartWriter.create(part)
        state = HarvestState(protocol=protocol, params=dict(params), part_bytes=writer.size)
        save_state(state_file, state)
        resumed = False

    try:
        if progress is not None:
            progress(state.done, state.total)
        if not state.finished:
            empty_run = 0
            seen_content: set[bytes] = set()  # records without 001, for telling new pages
            seen_deleted: set[str] = set()
            for page in pages(state.next if state.started else None):
                fresh: list[str] = []
                news = False
                for record in page.records:
                    if record.key is not None:
                        if record.key in seen:
                            state.duplicates += 1
                            continue
                        seen.add(record.key)
                        news = True
                    else:
                        digest = hashlib.sha1(record.xml.encode("utf-8", "surrogatepass")).digest()
                        news = news or digest not in seen_content
                        seen_content.add(digest)
                    fresh.append(record.xml)
                gone = set(page.deleted_ids)
                news = news or bool(gone - seen_deleted) or (page.deleted > len(page.deleted_ids))
                seen_deleted |= gone
                state.part_bytes = writer.write(fresh)
                state.started = True
                state.next = page.next
                state.records += len(fresh)
                state.deleted += page.deleted
                state.skipped += len(page.skipped)
                room = MAX_SKIPPED_MESSAGES - len(state.skipped_messages)
                state.skipped_messages.extend(page.skipped[:max(0, room)])
                if page.total is not None:
                    state.total = page.total
                if page.done is not None:
                    state.done = page.done
                else:
                    state.done += len(page.records) + page.deleted + len(page.skipped)
                state.pages += 1
                save_state(state_file, state)
                if progress is not None:
                    progress(state.done, state.total)
                if page.next is None:
                    break
                empty_run = 0 if news else empty_run + 1
                if empty_run >= max_empty_pages:
                    where = (_("resumption token {token}").format(token=clip(page.next, 80))
                             if protocol == "oai"
                             else _("record position {n}").format(n=page.next))
                    raise Stalled(
                        _("the server sent {pages} pages in a row without a new record and asks "
                          "for more (next: {next}); stopping the harvest with {n} record(s) "
                          "harvested (--max-empty-pages allows more such pages)").format(
                            pages=empty_run, next=where, n=state.records))
        writer.finish(output)
    except BaseException:
        writer.close()
        if not resumed and state.pages == 0:
            # nothing was harvested: leave nothing behind to resume
            part.unlink(missing_ok=True)
            state_file.unlink(missing_ok=True)
        raise
    state_file.unlink(missing_ok=True)
    return HarvestResult(output, state.records, state.deleted, state.duplicates, state.skipped,
                         state.total, state.pages, resumed, list(state.skipped_messages))


def harvest_sru_to_file(client: HttpClient, url: str, query: str, output: Path, *,
                        schema: str | None = "marcxml", batch: int = 50, version: str = "1.2",
                        restart: bool = False, progress: ProgressFn | None = None,
                        max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES) -> HarvestResult:
    """Harvest an SRU searchRetrieve into ``output`` (resuming when a state file is there)."""
    check_sru_args(url, query, batch, version)
    params = {"url": url, "query": query, "schema": schema}

    def pages(cursor: Cursor) -> Iterable[Page]:
        return iter_sru_pages(client, url, query, schema, batch, int(cursor) if cursor else 1, version)

    return harvest_to_file(pages, output, "sru", params, restart=restart, progress=progress,
                           max_empty_pages=max_empty_pages)


def harvest_oai_to_file(client: HttpClient, url: str, prefix: str, output: Path, *,
                        from_: str | None = None, until: str | None = None, set_: str | None = None,
                        restart: bool = False, progress: ProgressFn | None = None,
                        max_empty_pages: int = DEFAULT_MAX_EMPTY_PAGES) -> HarvestResult:
    """Harvest OAI-PMH ListRecords into ``output`` (resuming when a state file is there)."""
    check_oai_args(url, prefix, from_, until)
    params = {"url": url, "prefix": prefix, "from": from_, "until": until, "set": set_}

    def pages(cursor: Cursor) -> Iterable[Page]:
        return iter_oai_pages(client, url, prefix, from_, until, set_, token=str(cursor) if cursor else None)

    return harvest_to_file(pages, output, "oai", params, restart=restart, progress=progress,
                           max_empty_pages=max_empty_pages)
