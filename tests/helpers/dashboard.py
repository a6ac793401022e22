"""The dashboard's server as a child process: a free loopback port and waiting until it listens."""

from __future__ import annotations

import socket
import subprocess
import time


def free_port() -> int:
    """A port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 60.0) -> None:
    """Wait until something listens on 127.0.0.1:``port``; fail if ``process`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"qicsim-dashboard exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"qicsim-dashboard did not listen on port {port} within {timeout} s")
