"""What can go wrong while harvesting, as exceptions that carry a plain-words message.

The command line maps them to exit codes: ``exit_code`` 2 for a wrong command or a
server that cannot be reached, 1 for a server that answered with an error
(an SRU diagnostic, an OAI-PMH error, a broken answer).
"""

from __future__ import annotations

import re

from rabiskit.i18n import _

#: at most this many characters of a server's own text (a token, a URL, a diagnostic) are
#: echoed in a message
SERVER_TEXT_LIMIT = 200


def clip(text: object, limit: int = SERVER_TEXT_LIMIT) -> str:
    """Server-supplied text fit for a one-line message: whitespace runs (newlines too) made
    one space, and at most ``limit`` characters (an ellipsis and the full length after)."""
    one = re.sub(r"\s+", " ", str(text)).strip()
    if len(one) <= limit:
        return one
    return _("{text}… ({n} characters)").format(text=one[:limit], n=f"{len(one):,}")


class HarvestError(Exception):
    """Base class: ``str(error)`` is a one-line message for the librarian."""

    exit_code = 1


class UsageError(HarvestError):
    """The command itself is wrong (bad URL, bad date, bad batch size)."""

    exit_code = 2


class ServerUnreachable(HarvestError):
    """The server could not be reached, or kept failing (connection errors, 5xx) after every retry."""

    exit_code = 2


class HttpStatusError(HarvestError):
    """The server answered with an HTTP error that is not worth retrying (404, 401, ...)."""

    exit_code = 2

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


class ProtocolError(HarvestError):
    """The server answered, but not with a well-formed SRU / OAI-PMH response."""

    exit_code = 1


class Diagnostic(HarvestError):
    """An SRU diagnostic or an OAI-PMH error sent by the server.

    ``code`` is the SRU diagnostic URI (``info:srw/diagnostic/1/10``) or the OAI-PMH
    error code (``badResumptionToken``); ``detail`` is the server's own detail text.
    """

    exit_code = 1

    def __init__(self, message: str, code: str, detail: str = ""):
        super().__init__(message)
        self.code = code
        self.detail = detail


class ResponseTooLarge(HarvestError):
    """One answer was larger than the cap (``HttpPolicy.max_response``, counted after
    decompression): not retried, the harvest stops (what it has is kept)."""

    exit_code = 2


class Stalled(ProtocolError):
    """The server keeps sending pages (new resumption tokens, advancing positions) that
    bring no new record: the harvest stops; its state file allows a resume."""


class ResumeMismatch(HarvestError):
    """A state file exists beside the output, but for a different harvest."""

    exit_code = 2
