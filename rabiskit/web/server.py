"""Starting the server: bind the socket first (so ``--port 0`` knows its port before the
address is printed), then run uvicorn on it until Ctrl+C or SIGTERM; the temporary files
are removed on the way out."""

from __future__ import annotations

import ipaddress
import socket
import threading
import webbrowser
from dataclasses import dataclass
from typing import Callable

from rabiskit.i18n import _
from rabiskit.web.app import Settings, create_app
from rabiskit.web.auth import Guard

LOOPBACK = "127.0.0.1"


class ServeError(ValueError):
    """The server cannot start as asked (one plain line)."""


@dataclass
class Bound:
    sock: socket.socket
    host: str
    port: int

    @property
    def loopback(self) -> bool:
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return self.host == "localhost"

    def url(self, token: str) -> str:
        host = LOOPBACK if self.host in ("0.0.0.0", "::") else self.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}/?token={token}"


def bind(host: str, port: int) -> Bound:
    """A listening socket on ``host``:``port`` (0: a free port)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no second server on the same port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    else:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise ServeError(_("cannot listen on {host}:{port} ({reason}); give another --port, "
                           "or --port 0 for any free one").format(
            host=host, port=port, reason=e.strerror or e)) from None
    sock.set_inheritable(True)
    return Bound(sock, host, sock.getsockname()[1])


def serve(settings: Settings, bound: Bound, *, open_browser: bool,
          announce: Callable[[str], None]) -> None:
    """Run the application on ``bound`` until stopped.  ``announce(url)`` is told the
    address with the token first of all (the command prints it)."""
    import uvicorn

    guard: Guard = settings.guard
    if bound.loopback:
        guard.hosts = {f"{h}:{bound.port}" for h in {bound.host, LOOPBACK, "localhost"}}
    app = create_app(settings)
    url = bound.url(guard.token)
    announce(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on",
                            timeout_graceful_shutdown=5, server_header=False)
    server = uvicorn.Server(config)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, (url,)).start()
    try:
        server.run(sockets=[bound.sock])
    finally:
        bound.sock.close()
        app.app.state.jobs.close()  # also when the lifespan did not run to its end
