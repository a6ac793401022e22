"""Who may use the dashboard, and what it serves: loopback names, same-origin WebSockets, bundled assets only.

The dashboard runs the model for whoever can send it requests. Bound to 127.0.0.1, only this
machine can; but a web page open in the user's own browser can still reach 127.0.0.1:

* **DNS rebinding**: a page at ``evil.example`` whose name is then made to resolve to 127.0.0.1
  talks to the dashboard as its own origin; its requests carry ``Host: evil.example:8765``.
* **Cross-site WebSocket hijacking**: the same-origin policy does not cover WebSockets, so any
  page may open one to ``ws://127.0.0.1:8765``, which carries the page's ``Origin``.

:class:`Guard`, an ASGI middleware around Solara's app, answers 403 to a request whose ``Host``
is not a loopback name (``localhost``, 127.0.0.0/8, ``::1``) or a name the user allowed
(``qicsim-dashboard --allow-host NAME``; ``*`` allows any), and to a WebSocket (or any request)
whose ``Origin`` is not the page's own: the scheme, host and port of its ``Host``.

Solara serves its JavaScript under ``/_solara/cdn/<path>``: from the files that solara-assets
installs, and otherwise by fetching ``https://cdn.jsdelivr.net/npm/<path>`` for whoever asks (an
open proxy to the network, and a request that hangs for seconds offline). The guard serves that
path from the bundled files only and answers 404 for anything else: the dashboard fetches nothing.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from starlette.staticfiles import StaticFiles

ANY_HOST = "*"
CDN_PREFIX = "/_solara/cdn/"  # solara.server.cdn_helper.cdn_url_path
DEFAULT_PORTS = {"http": 80, "https": 443}
HTTP_SCHEME = {"http": "http", "https": "https", "ws": "http", "wss": "https"}
MOST_SAID = 20  # distinct refusals said on stderr; past them, silence (a page could vary its Host to flood it)
POLICY_VIOLATION = 1008  # WebSocket close code; closed before it is accepted, the handshake gets HTTP 403

Scope = dict[str, Any]


def authority(value: str) -> tuple[str, int | None] | None:
    """The host (lowercase, IPv6 without brackets) and port of a ``Host`` header; None if malformed."""
    try:
        parts = urlsplit(f"//{value}")
        port = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query or parts.fragment:
        return None
    return parts.hostname, port


def is_loopback(host: str) -> bool:
    """``localhost`` or an address of the loopback range (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def same_origin(origin: str, host: tuple[str, int | None], scheme: str) -> bool:
    """Whether an ``Origin`` header names the page's own origin: the request's scheme, host and port."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return False
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return False  # "null" (a sandboxed frame, a file), or not a web page's origin
    own_port = host[1] or DEFAULT_PORTS.get(scheme)
    return (parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme]) == (scheme, host[0], own_port)


def route_path(scope: Scope) -> str:
    """The request's path below the app's root path (as Starlette routes it)."""
    path, root = scope["path"], scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root + "/") else path


class Guard:
    """ASGI middleware: refuse foreign hosts and cross-origin requests; serve ``/_solara/cdn/`` from disk only.

    Args:
        app: The ASGI app guarded (Solara's Starlette app).
        allowed_hosts: Names besides the loopback ones that may appear in ``Host`` (``*``: any).
        assets: The folder of bundled assets (Solara's ``proxy_cache_dir``); None: every asset is 404.
    """

    def __init__(self, app: Any, allowed_hosts: Iterable[str] = (), assets: Path | None = None) -> None:
        self.app = app
        names = {name.lower().strip("[]") for name in allowed_hosts}
        self.any_host = ANY_HOST in names
        self.allowed = frozenset(names - {ANY_HOST})
        self.assets = StaticFiles(directory=assets, check_dir=False) if assets is not None else None
        self.said: set[str] = set()

    def refusal(self, scope: Scope) -> str | None:
        """Why the request is refused, or None if it may go on."""
        headers = Headers(scope=scope)
        host = authority(headers.get("host", ""))
        if host is None:
            return f"a missing or malformed Host header ({headers.get('host', '')!r})"
        if not (self.any_host or is_loopback(host[0]) or host[0] in self.allowed):
            return (f"host {host[0]!r} is not allowed (DNS rebinding guard); start qicsim-dashboard with "
                    f"--allow-host {host[0]} to allow it")
        origin = headers.get("origin")
        if origin is None:  # browsers send one with every WebSocket and cross-site request: this is no web page's
            return None
        if not same_origin(origin, host, HTTP_SCHEME.get(scope.get("scheme", "http"), "http")):
            return f"origin {origin!r} is not this page's own (cross-site request)"
        return None

    def say(self, problem: str) -> None:
        """One line on stderr for each kind of refusal, so that a blank page in a browser can be explained."""
        if problem not in self.said and len(self.said) < MOST_SAID:
            self.said.add(problem)
            print(f"qicsim-dashboard: refused: {problem}", file=sys.stderr, flush=True)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        """Refuse, serve a bundled asset, or pass the request to the app."""
        if scope["type"] not in ("http", "websocket"):  # lifespan: the app's start and stop
            await self.app(scope, receive, send)
            return
        problem = self.refusal(scope)
        if problem is not None:
            self.say(problem)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
            else:
                await PlainTextResponse(f"Forbidden: {problem}\n", status_code=403)(scope, receive, send)
            return
        if scope["type"] == "http" and route_path(scope).startswith(CDN_PREFIX):
            await self.asset(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def asset(self, scope: Scope, receive: Any, send: Any) -> None:
        """A bundled asset, or 404: never Solara's fetch from the CDN."""
        response: Any
        if self.assets is None:
            response = PlainTextResponse("Not found: no bundled assets\n", status_code=404)
        else:
            path = os.path.normpath(os.path.join(*route_path(scope)[len(CDN_PREFIX):].split("/")))
            try:
                response = await self.assets.get_response(path, scope)
            except HTTPException as error:
                response = PlainTextResponse(f"{error.status_code}: {path} is not bundled with this installation "
                                             "(the dashboard fetches nothing from the network)\n",
                                             status_code=error.status_code)
        await response(scope, receive, send)
