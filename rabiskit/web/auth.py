"""Who may use the server, and the headers every answer carries.

:class:`Guard` holds the secrets of one server run: the random token printed with the
address (``secrets.token_urlsafe``), an optional password (``--password-file``, for a
server listening on other addresses), the sessions opened with either, and the key the
per-session CSRF tokens are derived from.

:class:`GuardMiddleware` (plain ASGI, so uploads still stream) lets a request through
when it carries the token (``?token=``, ``Authorization: Bearer``) or a session cookie
(``HttpOnly; SameSite=Strict``, set when the token or the password was given); anything
else gets 401.  A page opened with ``?token=`` is redirected to the same address without
it, so the token does not stay in the address bar or the history.  Requests that change
something (POST...) must come from the server's own origin (``Origin``, else
``Referer``), else 403; a request authenticated by its cookie must also carry the
session's CSRF token (the form field ``csrf``, checked by the handlers with
:meth:`Guard.csrf_ok`, or the header ``X-CSRF-Token``).  The ``Host`` header must name the
server (loopback: 127.0.0.1 or localhost with the port), which stops DNS-rebinding pages.
Every answer gets ``X-Content-Type-Options``, ``X-Frame-Options``, ``Referrer-Policy``
and, unless the handler set its own, the Content-Security-Policy ``default-src 'self'``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from rabiskit.web.messages import page_lang, t

COOKIE = "rabiskit_session"
LANG_COOKIE = "rabiskit_lang"
#: the policy of every page: nothing but the server's own files
CSP = ("default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: what may be fetched without signing in, when the server has a password (the login page)
PUBLIC_WITH_PASSWORD = ("/login", "/static/")


@dataclass
class Guard:
    """The secrets of one server run."""

    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    password: str | None = None
    #: the Host header values the server answers (None: any, when listening on other
    #: addresses, where the password protects it)
    hosts: set[str] | None = None
    sessions: set[str] = field(default_factory=set)
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    def token_ok(self, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())

    def password_ok(self, given: str | None) -> bool:
        return (self.password is not None and given is not None
                and hmac.compare_digest(given.encode(), self.password.encode()))

    def new_session(self) -> str:
        sid = secrets.token_urlsafe(32)
        self.sessions.add(sid)
        return sid

    def csrf_token(self, session: str) -> str:
        return hmac.new(self.key, b"csrf:" + session.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, scope: dict, given: str | None) -> bool:
        """Whether a changing request may go on: always when it was authenticated by the
        token itself (a page of another site cannot know it), else when ``given`` is the
        session's CSRF token."""
        auth = scope.get("state", {}).get("auth")
        if auth in ("token", "bearer"):
            return True
        session = scope.get("state", {}).get("session")
        return bool(session and given) and hmac.compare_digest(
            given.encode(), self.csrf_token(session).encode())


def session_cookie(sid: str) -> str:
    return f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict"


def _headers(scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _cookies(headers: dict[str, str]) -> dict[str, str]:
    jar = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}


def _lang(scope, headers) -> str:
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    return page_lang(query.get("lang") or _cookies(headers).get(LANG_COOKIE))


class GuardMiddleware:
    def __init__(self, app, guard: Guard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        lang = _lang(scope, headers)

        async def send_secured(message) -> None:
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                         (b"referrer-policy", b"same-origin"),
                         (b"cache-control", b"no-store"),
                         (b"content-security-policy", CSP.encode())]
                message = dict(message)
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in have]
            await send(message)

        guard = self.guard
        host = headers.get("host", "")
        if guard.hosts is not None and host not in guard.hosts:
            await _refuse(send_secured, 403, t("e_host", lang))
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookies = _cookies(headers)
        bearer = headers.get("authorization", "")
        scope.setdefault("state", {})
        auth = None
        if bearer.lower().startswith("bearer ") and guard.token_ok(bearer[7:].strip()):
            auth = "bearer"
        elif guard.token_ok(query.get("token")):
            auth = "token"
        elif cookies.get(COOKIE) in guard.sessions:
            auth = "cookie"
            scope["state"]["session"] = cookies[COOKIE]
        path = scope.get("path", "/")
        if auth is None:
            if guard.password is not None and path.startswith(PUBLIC_WITH_PASSWORD):
                scope["state"]["auth"] = None
                await self.app(scope, receive, send_secured)
                return
            await _refuse(send_secured, 401, t("e_unauthorised", lang),
                          location="/login" if guard.password is not None else None)
            return
        scope["state"]["auth"] = auth
        method = scope["method"]
        if method not in SAFE_METHODS and not _same_origin(scope, headers, auth):
            await _refuse(send_secured, 403, t("e_origin", lang))
            return
        if auth == "token" and method in SAFE_METHODS and not path.startswith("/api/"):
            # a page opened from the printed address: keep a session cookie, drop the
            # token from the address bar
            sid = guard.new_session()
            rest = urlencode([(k, v) for k, v in parse_qsl(
                scope.get("query_string", b"").decode("latin-1")) if k != "token"])
            await send_secured({"type": "http.response.start", "status": 303, "headers": [
                (b"location", (path + ("?" + rest if rest else "")).encode("latin-1")),
                (b"set-cookie", session_cookie(sid).encode("latin-1")),
                (b"content-length", b"0")]})
            await send_secured({"type": "http.response.body", "body": b""})
            return
        await self.app(scope, receive, send_secured)


def _same_origin(scope, headers: dict[str, str], auth: str) -> bool:
    """Whether a changing request comes from this server's own pages.  A request with
    neither Origin nor Referer is a script's, not a browser's: let through when it
    carries the token, refused when it relies on the cookie."""
    own = f"{scope.get('scheme', 'http')}://{headers.get('host', '')}"
    origin = headers.get("origin")
    if origin is not None:
        return origin == own
    referer = headers.get("referer")
    if referer is not None:
        return referer == own or referer.startswith(own + "/")
    return auth in ("token", "bearer")


async def _refuse(send, status: int, text: str, location: str | None = None) -> None:
    from rabiskit.render.safe import html_text as esc

    link = f'<p><a href="{location}">{esc(location)}</a></p>' if location else ""
    body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{status}</title></head>'
            f"<body><h1>{status}</h1><p>{esc(text)}</p>{link}</body></html>\n").encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"),
               (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="rabiskit"'))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
