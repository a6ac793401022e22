"""``qicsim-dashboard``: serve the dashboard on this machine (127.0.0.1 unless ``--host`` says otherwise)."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from qicsim.errors import QicsimError, exit_with
from qicsim.lazy import needs_extra

DEFAULT_HOST = "127.0.0.1"  # loopback: nobody else on the network can reach the page
DEFAULT_PORT = 8765


def parser() -> argparse.ArgumentParser:
    """The command's arguments."""
    p = argparse.ArgumentParser(prog="qicsim-dashboard",
                                description="A live dashboard of the qicsim model in the browser (offline).")
    p.add_argument("--host", default=DEFAULT_HOST,
                   help=f"address to listen on (default {DEFAULT_HOST}, this machine only; 0.0.0.0 opens it "
                        "to the network)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0 for any free one)")
    return p


def main(argv: list[str] | None = None) -> None:
    """Start the Solara server with the dashboard page; stop it with Ctrl-C."""
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    if not 0 <= args.port <= 65535:
        print(f"qicsim-dashboard: error: --port: {args.port} is out of range; allowed: an integer in [0, 65535]",
              file=sys.stderr)
        sys.exit(2)
    # Offline: no telemetry; the JS comes from solara-assets through solara's CDN proxy (its default).
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ.setdefault("MPLBACKEND", "Agg")
    try:
        with needs_extra("dashboard"):
            from solara.__main__ import main as solara_main
    except QicsimError as error:
        exit_with(error, "qicsim-dashboard")

    sys.argv = ["solara", "run", "qicsim.apps.dashboard.app", "--host", args.host, "--port", str(args.port),
                "--production", "--no-open"]
    with contextlib.suppress(KeyboardInterrupt):
        solara_main()
