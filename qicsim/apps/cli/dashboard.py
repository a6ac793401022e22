"""``qicsim-dashboard``: serve the dashboard on this machine (127.0.0.1 unless ``--host`` says otherwise).

Solara's app is served by uvicorn here, not by ``solara run``, so that it runs behind the guard
(:mod:`qicsim.apps.dashboard.guard`: loopback ``Host`` names and same-origin WebSockets only, unless
``--allow-host``; bundled assets only, nothing fetched) and on a socket bound before anything is
imported: a port in use is one line and exit code 2, as other bad input. ``--host 0.0.0.0`` warns
that anyone on the network can then drive the dashboard.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import ipaddress
import os
import re
import socket
import sys
import warnings

from qicsim.errors import ConfigError, OneLineParser, QicsimError, exit_with
from qicsim.lazy import needs_extra

PROGRAM = "qicsim-dashboard"
APP = "qicsim.apps.dashboard.app"  # the module whose Page Solara serves
DEFAULT_HOST = "127.0.0.1"  # loopback: nobody else on the network can reach the page
DEFAULT_PORT = 8765
HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*\.?")


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = OneLineParser(prog=PROGRAM, description="A live dashboard of the qicsim model in the browser (offline).")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 opens it "
                        "to the network, with a warning)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 for any free one)")
    p.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                   help="a name (or address) the browser may use in the page's address besides localhost, 127.0.0.1 "
                        "and ::1, e.g. the machine's name when served with --host 0.0.0.0; repeatable; '*' allows "
                        "any, which turns the DNS-rebinding guard off")
    return p


def is_wildcard(host: str) -> bool:
    """Whether ``host`` listens on every network interface (0.0.0.0, ::, or empty)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


def allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """The names the guard accepts besides the loopback ones: ``--allow-host`` and a specific ``--host``.

    Raises:
        ConfigError: An ``--allow-host`` that is neither a host name, an IP address nor ``*``.
    """
    for name in extra:
        if name == "*" or HOST_NAME.fullmatch(name):
            continue
        try:
            ipaddress.ip_address(name.strip("[]"))
        except ValueError:
            raise ConfigError("--allow-host", f"{name!r} is not a host name or address",
                              "a name such as myhost.example, an IP address, or '*' for any") from None
    # An address the user chose to listen on (not a wildcard) is the page's own address.
    return [*extra, host] if host and not is_wildcard(host) else list(extra)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (as uvicorn binds it), so that failing to bind is said here, in one line.

    Raises:
        ConfigError: The host is not an address of this machine, or the port is in use or not allowed.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as error:
        raise ConfigError("--host", f"{host!r} cannot be resolved ({error})",
                          f"{DEFAULT_HOST} (default), another address of this machine, or 0.0.0.0") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise ConfigError("--port", f"{port} on {host} is in use by another program",
                              "a free port, or --port 0 for any free one") from None
        if error.errno == errno.EADDRNOTAVAIL:
            raise ConfigError("--host", f"{host} is not an address of this machine",
                              f"{DEFAULT_HOST} (default), another address of this machine, or 0.0.0.0") from None
        raise ConfigError("--port", f"cannot listen on {host}:{port} ({error.strerror or error})",
                          "a free port above 1023, or --port 0 for any free one") from None
    sock.set_inheritable(True)
    return sock


def main(argv: list[str] | None = None) -> None:
    """Start the server with the dashboard page behind the guard; stop it with Ctrl-C."""
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if not 0 <= args.port <= 65535:
            raise ConfigError("--port", f"{args.port} is out of range", "an integer in [0, 65535]")
        hosts = allowed_hosts(args.host, args.allow_host)
        if is_wildcard(args.host):
            print(f"{PROGRAM}: warning: --host {args.host}: anyone on the network who can reach this machine can "
                  "open the dashboard and run the model on it (there is no login)", file=sys.stderr, flush=True)
        sock = bind(args.host, args.port)
        # Offline: no telemetry. Solara reads this when its settings are imported (just below): setting it
        # after that import, as before, left telemetry on (a request to api.ipify.org and mixpanel per start).
        os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
        with needs_extra("dashboard"):
            import uvicorn
            from solara.server import settings
    except QicsimError as error:
        exit_with(error, PROGRAM)

    # Offline (no version check either, which `solara run` would make); charts drawn off-screen.
    settings.telemetry.mixpanel_enable = False  # whatever the environment said
    # Solara's "This website runs on Solara" badge covered the charts' axes at 1280x720; the sidebar says
    # "Built with Mesa and Solara" instead.
    settings.theme.show_banner = False
    os.environ.setdefault("MPLBACKEND", "Agg")
    host, port = sock.getsockname()[:2]
    # What `solara run APP --production` sets before its server imports the app (read when it is imported).
    os.environ["SOLARA_APP"] = APP
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = str(host), str(port)
    settings.main.mode = "production"
    from solara.__main__ import LOGGING_CONFIG
    from solara.server.starlette import app

    from qicsim.apps.dashboard.guard import Guard

    # Solara warns (15 lines, on every first page load) that a session cookie cannot be SameSite=None
    # over plain http on a host not named "localhost", and falls back to SameSite=Lax. Lax is what this
    # server wants: it is never embedded in another site's iframe, and the guard refuses cross-site use.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    assets = settings.assets.proxy_cache_dir if settings.assets.proxy_cache_dir.is_dir() else None
    guarded = Guard(app, allowed_hosts=hosts, assets=assets)
    if is_wildcard(str(host)):  # the address to open here; other machines use this one's name (--allow-host)
        host = "::1" if ":" in str(host) else "127.0.0.1"
    shown = f"[{host}]" if ":" in str(host) else host
    print(f"{PROGRAM}: serving http://{shown}:{port}/ (Ctrl-C stops it)", flush=True)
    server = uvicorn.Server(uvicorn.Config(guarded, log_config=LOGGING_CONFIG, lifespan="on"))
    with contextlib.suppress(KeyboardInterrupt):
        server.run(sockets=[sock])
    if not server.started:  # the app failed to start (uvicorn said why above)
        print(f"{PROGRAM}: error: the dashboard did not start; see the message above", file=sys.stderr)
        sys.exit(1)
