"""The dashboard's server as a child process: a free loopback port and waiting until it listens."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time


def free_port() -> int:
    """A port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 180.0) -> None:
    """Wait until the server on 127.0.0.1:``port`` answers HTTP; fail if ``process`` exits first.

    The dashboard binds its socket before it imports the app (so that a port in use is one line),
    so a connection is accepted before the app can answer: wait for an answer, not for the socket.
    The timeout is long because on a loaded machine the app's imports can take a minute.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qicsim-dashboard exited with {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=max(1.0, deadline - time.monotonic()))
        try:
            connection.request("GET", "/readiness-probe", headers={"Host": f"127.0.0.1:{port}"})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise TimeoutError(f"qicsim-dashboard did not answer on port {port} within {timeout} s")
