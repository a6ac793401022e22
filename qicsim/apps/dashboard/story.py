"""The story of a week: what happened in the week just simulated, and why, in a few plain sentences.

Drawn from the model's weekly mechanism counts (``model.counts.weekly``) and weekly series: who
met where and how many came, which projects moved (implemented, tests that worked or failed)
or stalled and for what reason (no champion, a missing discipline, an idea outside the remit,
no room for another project), and who left. Only what happened is said, most telling first,
so that the line stays short enough to read aloud.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from qicsim.apps.dashboard.view import meeting_this_week, site_title
from qicsim.model.counters import COUNT_INDEX
from qicsim.model.series import SERIES_INDEX

if TYPE_CHECKING:
    from qicsim.model import QICModel

MOST_EVENTS = 3  # the things said about a week besides its meetings: more would not be read (nor fit 3 lines)

COUNTED_EVENTS: tuple[tuple[int, str, tuple[str, ...], str], ...] = (
    (7, "leavers", ("member of staff", "staff"), "left their post"),
    (7, "members_dropped_out", ("member",), "left the team as engagement fell"),
    (7, "lapses", ("improvement",), "lapsed"),
    (6, "stalled_weeks", ("project",), "stalled for want of a champion"),
    (6, "blocked_weeks", ("project",), "waited for a missing discipline"),
    (5, "ideas_out_of_scope", ("idea",), "dropped as outside the remit"),
    (5, "ideas_no_capacity", ("idea",), "dropped for want of room for another project"),
    (3, "members_joined", ("member",), "joined"),
)
"""Events told from one weekly count each: (importance, count, the noun's singular [and plural], what happened)."""


def week_count(model: QICModel, name: str) -> int:
    """A mechanism count summed over sites, in the week just simulated."""
    return round(float(model.counts.weekly[model.week - 1, COUNT_INDEX[name]].sum()))


def series_change(model: QICModel, name: str) -> int:
    """How much a weekly series (summed over sites) changed in the week just simulated."""
    values = model.series.values[: model.week, :, SERIES_INDEX[name]].sum(axis=1)
    return round(float(values[-1] - (values[-2] if len(values) > 1 else 0.0)))


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 project``, ``2 projects``."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def meetings_sentence(model: QICModel) -> str:
    """Where the sites met this week, with who came."""
    places = []
    for site in model.sites:
        where, _host = meeting_this_week(model, site.index)
        if where != "no meeting":
            places.append(f"{site_title(site.name)} {where.removeprefix('met ').replace('at CCG', 'at the CCG')}")
    if not places:
        return "No local meeting this week."
    care, nhs = week_count(model, "meeting_attendances_care_home"), week_count(model, "meeting_attendances_nhs")
    return f"Met: {', '.join(places)} ({plural(care + nhs, 'attendance')}: {care} care home, {nhs} NHS)."


def week_events(model: QICModel) -> list[str]:
    """What else happened this week, most telling first (each a short clause)."""
    said: list[tuple[int, str]] = []  # (importance, clause)

    def say(importance: int, n: int, text: str) -> None:
        if n > 0:
            said.append((importance, text))

    week = model.week - 1
    if week in model.event_weeks:
        say(10, 1, f"a shared learning event ({week_count(model, 'event_attendances')} came, "
                   f"{plural(week_count(model, 'ties_formed_at_events'), 'new tie')} across sites)")
    implemented = series_change(model, "implemented")
    say(9, implemented, f"{plural(implemented, 'improvement')} implemented")
    started = sum(week_count(model, n) for n in ("projects_small_test", "projects_process_change",
                                                 "projects_multidisciplinary_review"))
    say(8, started, f"{plural(started, 'project')} started")
    for importance, count, noun, what in COUNTED_EVENTS:
        n = week_count(model, count)
        say(importance, n, f"{plural(n, *noun)} {what}")
    worked, failed = week_count(model, "chunks_completed"), week_count(model, "chunks_failed")
    say(4, worked + failed, f"{plural(worked + failed, 'test')} of change ({worked} worked)")
    withdrawn = round(float(model.counts.weekly[week, COUNT_INDEX["protected_hours_withdrawn"]].sum()))
    say(3, withdrawn, f"{withdrawn} protected hours pulled back to the floor under pressure")
    said.sort(key=lambda item: -item[0])  # stable: equal importance keeps the order above
    return [text for _, text in said[:MOST_EVENTS]]


def week_story(model: QICModel) -> str:
    """The week just simulated in two or three plain sentences (before week 1: what is about to start)."""
    if model.week == 0:
        return (f"Before week 1: {int(model.staff.member.sum())} staff in the sites' teams, no project yet. "
                "Press Step to see the first week.")
    support = "" if model.week <= model.support_weeks else " Support has ended; the teams carry on alone."
    in_place = int(model.home_state.in_place.sum())
    members = plural(int(model.staff.member.sum()), "team member")
    head = f"Week {model.week}: {members}, {plural(in_place, 'improvement')} in place.{support}"
    events = week_events(model)
    tail = f" Also: {'; '.join(events)}." if events else " Nothing else changed."
    return f"{head} {meetings_sentence(model)}{tail}"

