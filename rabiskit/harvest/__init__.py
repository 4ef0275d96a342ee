"""Harvesting MARC records over SRU and OAI-PMH into MARCXML files.

- ``iter_sru_records`` / ``iter_oai_records``: plain iterators over harvested records
  (``iter_sru_pages`` / ``iter_oai_pages`` for page by page);
- ``harvest_sru_to_file`` / ``harvest_oai_to_file``: stream a harvest to a MARC 21 slim
  collection with a resumable state file beside it;
- ``HttpClient`` / ``HttpPolicy``: one session, a whole deadline per request, a cap on the
  answer's size, retries, Retry-After, rate limit.
"""

from rabiskit.harvest.errors import (Diagnostic, HarvestError, HttpStatusError, ProtocolError, ResponseTooLarge,
                                     ResumeMismatch, ServerUnreachable, Stalled, UsageError)
from rabiskit.harvest.http import HttpClient, HttpPolicy
from rabiskit.harvest.oai import iter_oai_pages, iter_oai_records
from rabiskit.harvest.page import Page
from rabiskit.harvest.records import HarvestedRecord
from rabiskit.harvest.sru import iter_sru_pages, iter_sru_records
from rabiskit.harvest.tofile import HarvestResult, harvest_oai_to_file, harvest_sru_to_file, harvest_to_file

__all__ = [
    "Diagnostic", "HarvestError", "HttpStatusError", "ProtocolError", "ResponseTooLarge", "ResumeMismatch",
    "ServerUnreachable", "Stalled",
    "UsageError", "HttpClient", "HttpPolicy", "iter_oai_pages", "iter_oai_records", "Page", "HarvestedRecord",
    "iter_sru_pages", "iter_sru_records", "HarvestResult", "harvest_oai_to_file", "harvest_sru_to_file",
    "harvest_to_file",
]
