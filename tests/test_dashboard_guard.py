"""The dashboard's server refuses foreign hosts and cross-site WebSockets, and fetches nothing (issue 24, 10-13).

A module fixture starts the real ``qicsim-dashboard`` on a free loopback port as a child process,
with Solara's CDN pointed at a stand-in CDN on another loopback port that records what it is asked
for: the server must never ask it (item 13). Requests are plain ``http.client`` and raw WebSocket
handshakes (a foreign ``Host`` cannot be sent otherwise) and the ``websockets`` client; no browser.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

pytestmark = pytest.mark.slow  # a server child process
pytest.importorskip("solara", reason="needs solara (pip install -e '.[dashboard]')")
websockets_client = pytest.importorskip("websockets.sync.client", reason="needs websockets (installed with uvicorn)")

from helpers.dashboard import free_port, wait_listening  # noqa: E402 - after the skips

KERNEL_PATH = "/jupyter/api/kernels/k1/channels?session_id=s1"  # Solara's WebSocket route
BUNDLED = "requirejs@2.3.6/require.js"  # installed by solara-assets
NOT_BUNDLED = "katex@0.16.9/dist/katex.min.js"  # what solara.Markdown asks for; no package installs it


class StandInCdn(BaseHTTPRequestHandler):
    """Answers every GET with 200 and records its path: the server must never come here."""

    asked: ClassVar[list[str]] = []
    url: ClassVar[str] = ""

    def do_GET(self) -> None:
        type(self).asked.append(self.path)
        body = b"/* fetched from the network */"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture(scope="module")
def cdn() -> Iterator[type[StandInCdn]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInCdn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    StandInCdn.url = f"http://127.0.0.1:{server.server_address[1]}/"
    yield StandInCdn
    server.shutdown()
    server.server_close()


def start(port: int, env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from qicsim.apps.cli.dashboard import main; main()",
                             "--port", str(port), *args], env={**os.environ, "MPLBACKEND": "Agg", **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> tuple[str, str]:
    process.terminate()
    try:
        return process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()


@pytest.fixture(scope="module")
def server(cdn: type[StandInCdn]) -> Iterator[int]:
    """The dashboard on a free loopback port, its CDN the stand-in."""
    port = free_port()
    process = start(port, {"SOLARA_ASSETS_CDN": cdn.url})
    try:
        wait_listening(port, process)
        yield port
    finally:
        stop(process)


def get(port: int, path: str, host: str, origin: str | None = None, method: str = "GET") -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.putrequest(method, path, skip_host=True)
    connection.putheader("Host", host)
    if origin is not None:
        connection.putheader("Origin", origin)
    connection.endheaders()
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def handshake(port: int, host: str, origin: str | None) -> str:
    """A raw WebSocket opening handshake to Solara's kernel route; the response's status line."""
    lines = [f"GET {KERNEL_PATH} HTTP/1.1", f"Host: {host}", "Upgrade: websocket", "Connection: Upgrade",
             f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        return sock.recv(4096).split(b"\r\n", 1)[0].decode()


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "127.0.0.1.evil.example:{port}",
                                  "localhost.evil.example", "10.0.0.1:{port}", ""])
def test_a_foreign_host_header_gets_403(server: int, host: str) -> None:
    response = get(server, "/", host.format(port=server))
    assert response.status == 403
    assert b"Forbidden" in response.body


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "127.0.0.2:{port}",
                                  "LOCALHOST"])
def test_loopback_names_get_the_page(server: int, host: str) -> None:
    response = get(server, "/", host.format(port=server))
    assert response.status == 200
    assert b"solara" in response.body.lower()


def test_allow_host_lets_a_name_in_and_no_other() -> None:
    port = free_port()
    process = start(port, {}, "--allow-host", "qic.example")
    try:
        wait_listening(port, process)
        assert get(port, "/", f"qic.example:{port}").status == 200
        assert handshake(port, f"qic.example:{port}", f"http://qic.example:{port}").split()[1] == "101"
        assert get(port, "/", f"evil.example:{port}").status == 403
    finally:
        stop(process)


def test_a_websocket_from_a_foreign_origin_is_refused(server: int) -> None:
    url = f"ws://127.0.0.1:{server}{KERNEL_PATH}"
    with pytest.raises(websockets_client.InvalidStatus) as refused:
        websockets_client.connect(url, origin="http://evil.example.com", open_timeout=60)
    assert refused.value.response.status_code == 403
    assert handshake(server, f"127.0.0.1:{server}", "http://evil.example.com").split()[1] == "403"
    assert handshake(server, f"127.0.0.1:{server}", "null").split()[1] == "403"
    assert handshake(server, f"127.0.0.1:{server}", f"http://127.0.0.1:{server + 1}").split()[1] == "403"


def test_a_websocket_with_a_foreign_host_is_refused_even_from_its_own_origin(server: int) -> None:
    # DNS rebinding: the page at evil.example:port is, to the browser, same-origin with itself.
    assert handshake(server, f"evil.example:{server}", f"http://evil.example:{server}").split()[1] == "403"


def test_a_same_origin_websocket_is_accepted(server: int) -> None:
    url = f"ws://127.0.0.1:{server}{KERNEL_PATH}"
    with websockets_client.connect(url, origin=f"http://127.0.0.1:{server}", open_timeout=60) as ws:
        assert ws.response.status_code == 101
    assert handshake(server, f"localhost:{server}", f"http://localhost:{server}").split()[1] == "101"


def test_a_cross_site_post_is_refused(server: int) -> None:
    response = get(server, "/_solara/api/close/k1", f"127.0.0.1:{server}", "http://evil.example.com", "POST")
    assert response.status == 403


def test_cdn_paths_are_served_from_the_bundled_files_and_never_fetched(server: int, cdn: type[StandInCdn]) -> None:
    from solara.server import settings

    cache = Path(settings.assets.proxy_cache_dir)
    # A name no CDN proxy has cached; KaTeX too, unless an older dashboard once fetched it into this environment.
    paths = [f"qicsim-test-{uuid.uuid4().hex}/dist/index.js"]
    if not (cache / NOT_BUNDLED).exists():
        paths.append(NOT_BUNDLED)
    for path in paths:
        missing = get(server, f"/_solara/cdn/{path}", f"127.0.0.1:{server}")
        assert missing.status == 404, path
        assert not (cache / path).exists()
    assert get(server, "/_solara/cdn/../../../etc/passwd", f"127.0.0.1:{server}").status == 404
    bundled = get(server, f"/_solara/cdn/{BUNDLED}", f"127.0.0.1:{server}")
    assert bundled.status == 200
    assert bundled.body == (cache / BUNDLED).read_bytes()
    assert cdn.asked == []  # the server asked the (stand-in) network for nothing


def test_a_port_in_use_is_one_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from qicsim.apps.cli.dashboard import main; main()",
                               "--port", str(port)], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"qicsim-dashboard: error: --port: {port} on 127.0.0.1 is in use")


def test_listening_on_every_interface_warns_that_anyone_on_the_network_can_drive_it() -> None:
    # The port is taken on loopback, so the server never listens on 0.0.0.0: the warning comes first.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "-c", "from qicsim.apps.cli.dashboard import main; main()",
                               "--host", "0.0.0.0", "--port", str(port)], capture_output=True, text=True,
                              timeout=120, check=False)
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith("qicsim-dashboard: warning: --host 0.0.0.0: anyone on the network"), done.stderr
    assert done.returncode == 2 and lines[1].startswith("qicsim-dashboard: error: --port")


def test_no_warning_on_loopback() -> None:
    port = free_port()
    process = start(port, {})
    try:
        wait_listening(port, process)
        assert get(port, "/readyz", f"127.0.0.1:{port}").status == 200  # served, so the start is said
        assert get(port, "/", f"127.0.0.1:{port}").status == 200  # the page, which sets the session cookie
    finally:
        out, err = stop(process)
    assert "warning" not in err.lower() and "samesite" not in err.lower(), err  # Solara's 15-line cookie warning
    assert f"serving http://127.0.0.1:{port}/" in out


@pytest.mark.parametrize("name", ["bad name", "http://x.example", "a/b"])
def test_a_bad_allow_host_is_one_line_and_exit_2(name: str) -> None:
    done = subprocess.run([sys.executable, "-c", "from qicsim.apps.cli.dashboard import main; main()",
                           "--allow-host", name], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [done.stderr.strip()]
    assert done.stderr.startswith("qicsim-dashboard: error: --allow-host:")
