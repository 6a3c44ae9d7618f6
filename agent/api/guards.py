"""ASGI guards in front of the API: the request-body limit and the Host-name check.

:class:`BodyLimit` is written by hand because Starlette has no body-size limit: it counts the
bytes the server hands over, so a chunked body (no Content-Length) is held to the same limit
as an announced one and is never read past it. :class:`HostCheck` leaves the decision to
Starlette's ``TrustedHostMiddleware`` and only words its refusal as the API's JSON error.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vectorstore.errors import InputError

#: the names of this machine that are always accepted in a Host header
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class BodyLimit:
    """Answer 413 to a request whose body is over ``limit`` bytes, announced or streamed.

    The body (at most ``limit`` bytes, all the API's routes take small JSON bodies) is read
    before the app runs and handed to it whole; reading stops as soon as the count passes
    the limit, and the 413 closes the connection, so the server does not drain the rest.
    """

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length", "")
        if length.isdigit() and int(length) > self.limit:
            await self._too_large(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before its body was complete
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                await self._too_large(scope, receive, send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"error": f"request body too large (at most {self.limit} bytes)"},
                                status_code=413, headers={"Connection": "close"})
        await response(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the buffered body once, then the server's own messages
    (a disconnect, which streaming responses listen for)."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if given:
            return await receive()
        given = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` keeps the server to this machine (``localhost`` or a
    loopback address; a wildcard such as ``0.0.0.0`` or any other name is not)."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def allowed_hosts(bound: str, extra: Iterable[str] = ()) -> list[str]:
    """The Host names to accept: this machine's loopback names, the address the server is
    bound to, and ``extra`` (names such as ``persona.lan``, or Starlette's ``*.example.org``).
    IPv6 addresses are bracketed, as they appear in a Host header."""
    names: list[str] = []
    for raw in (*LOOPBACK_NAMES, bound, *extra):
        name = raw.strip().lower()
        wildcard = name.startswith("*.") and "*" not in name[1:]
        if not name or any(c in name for c in "/@ \t") or ("*" in name and not wildcard):
            raise InputError(f"--allowed-host {raw!r}: expected a host name such as "
                             "persona.lan or *.example.org (no scheme, path or port)")
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # an IPv6 address
        if name not in names:
            names.append(name)
    return names


class HostCheck:
    """Answer 400 to a request whose Host header is not one of ``allowed``.

    A page on attacker.example whose name is made to resolve to this machine (DNS rebinding)
    can send requests here from the user's browser, and read the answers when no token is
    set; its requests carry ``Host: attacker.example``, which is refused.
    """

    def __init__(self, app: ASGIApp, allowed: Sequence[str]):
        self.app, self.allowed = app, list(allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await TrustedHostMiddleware(self.app, self.allowed, www_redirect=False)(
                scope, receive, send)
            return
        admitted = False

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal admitted
            admitted = True
            await self.app(scope, receive, send)

        async def quiet(message: Message) -> None:  # drops only the middleware's own refusal
            if admitted:
                await send(message)

        await TrustedHostMiddleware(app, self.allowed, www_redirect=False)(scope, receive, quiet)
        if not admitted:
            host = Headers(scope=scope).get("host", "")[:100]
            shown = ", ".join(self.allowed)
            response = JSONResponse(
                {"error": f"Host {host!r} is not accepted here (accepted: {shown}); to reach "
                          f"the server by this name, start it with `persona serve "
                          f"--allowed-host NAME`"}, status_code=400)
            await response(scope, receive, send)
