"""The projects still being planned, tested or in use, with running counts per home.

The weekly processes scan only these, so a finished project costs nothing after the week it
ends; planning asks the running counts per home (projects under way, topics open) instead of
scanning the home's projects for every idea. Every stage change of an open project goes
through :meth:`OpenProjects.move`, which keeps the lists and counts true (the invariant
tests recompute them from the projects every week).
"""

from __future__ import annotations

import bisect

from qicsim.model.project import ACTIVE, IN_PLACE, Project, Stage
from qicsim.model.topics import N_TOPICS


class OpenProjects:
    """Projects active (planned or testing) or in place (implemented or sustained), in creation order.

    Args:
        n_homes: Number of care homes.

    Attributes:
        active: Projects being planned or tested, in creation order.
        in_place: Improvements implemented and still in use, in creation order.
        at_home: Each home's open projects (active or in place), in creation order.
        active_at_home: Each home's number of active projects.
        open_topic: Each home's number of open projects per topic.
    """

    def __init__(self, n_homes: int) -> None:
        self.active: list[Project] = []
        self.in_place: list[Project] = []
        self.at_home: list[list[Project]] = [[] for _ in range(n_homes)]
        self.active_at_home = [0] * n_homes
        self.open_topic = [[0] * N_TOPICS for _ in range(n_homes)]
        self._ended_homes: set[int] = set()
        self._active_left = False  # a project left ``active`` since the last forget_finished

    def start(self, project: Project, week: int) -> None:
        """A new project (stage IDEA) is planned: it becomes open."""
        project.move(Stage.PLANNED, week)
        self.active.append(project)
        self.at_home[project.home].append(project)
        self.active_at_home[project.home] += 1
        self.open_topic[project.home][project.topic] += 1

    def move(self, project: Project, stage: Stage, week: int) -> None:
        """Move an open project to another stage, keeping the lists and the counts.

        A project that becomes in place joins ``in_place`` at once (later processes of the
        week see it); one that ends stays in the lists until :meth:`forget_finished`.
        """
        was_active = project.active
        project.move(stage, week)
        home = project.home
        if was_active and not project.active:
            self.active_at_home[home] -= 1
            self._active_left = True
        if stage in IN_PLACE and was_active:
            bisect.insort(self.in_place, project, key=_pid)
        if stage == Stage.ABANDONED:
            self.open_topic[home][project.topic] -= 1
            self._ended_homes.add(home)

    def forget_finished(self) -> None:
        """Take projects that ended (abandoned or lapsed) out of the lists, and active ones that moved on."""
        if self._active_left:
            self.active = [project for project in self.active if project.stage in ACTIVE]
            self._active_left = False
        if not self._ended_homes:
            return
        self.in_place = [project for project in self.in_place if project.stage in IN_PLACE]
        for home in self._ended_homes:
            self.at_home[home] = [project for project in self.at_home[home]
                                  if project.stage in ACTIVE or project.stage in IN_PLACE]
        self._ended_homes.clear()

    def all(self) -> list[Project]:
        """Every open project, in creation order."""
        return sorted(self.active + self.in_place, key=_pid)


def _pid(project: Project) -> int:
    return project.pid
