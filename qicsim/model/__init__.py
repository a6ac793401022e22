"""The agent-based model: staff agents, care homes, site teams, projects and weekly processes.

``QICModel`` is imported lazily, so that small modules of this package (``roles``, ``topics``)
can be used by the settings without importing the whole model.
"""

from __future__ import annotations

from typing import Any

__all__ = ["QICModel"]


def __getattr__(name: str) -> Any:
    if name == "QICModel":
        from qicsim.model.model import QICModel

        return QICModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
