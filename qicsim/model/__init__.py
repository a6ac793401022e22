"""The agent-based model: staff agents, care homes, site teams, projects and weekly processes."""

from qicsim.model.model import QICModel

__all__ = ["QICModel"]
