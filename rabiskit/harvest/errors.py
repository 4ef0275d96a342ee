"""What can go wrong while harvesting, as exceptions that carry a plain-words message.

The command line maps them to exit codes: ``exit_code`` 2 for a wrong command or a
server that cannot be reached, 1 for a server that answered with an error
(an SRU diagnostic, an OAI-PMH error, a broken answer).
"""

from __future__ import annotations


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


class ResumeMismatch(HarvestError):
    """A state file exists beside the output, but for a different harvest."""

    exit_code = 2
