"""The weekly meeting's issues: a short note opened on a red cell (what is wrong, who takes it),
listed at the top of every weekly view until someone marks it solved.

An issue lives in `ns_web_issues`, a table the web process owns: it changes in place once,
when it is solved. What was done, and by whom, is in the audit log (`weekly.issue.open`,
`weekly.issue.solve`), written by the routes that call these functions. Times are naive UTC;
which meeting an issue belongs to is worked out in the company's timezone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from northstar.errors import NorthstarError
from northstar.periods import Period
from northstar.project import Project
from northstar.web.forms import FieldError
from northstar.web.scorecard import period_label
from northstar.web.store import ISSUES

NOTE_LIMIT = 500


class IssueIn(BaseModel):
    """An issue as the form or `POST /api/weekly/issues` sends it."""

    model_config = ConfigDict(extra="forbid")

    metric: str = Field(min_length=1, description="The metric of the red cell")
    week: str = Field(min_length=1, description="The red cell's ISO week, e.g. 2025-W07")
    person: str = Field(min_length=1, description="Who takes it: a person id in people.yml")
    note: str = Field(min_length=1, max_length=NOTE_LIMIT, description="What is wrong")


@dataclass(frozen=True)
class Issue:
    id: int
    metric: str
    week: str
    """The ISO week of the cell it was opened on."""
    person: str
    note: str
    opened_by: str
    opened_at: datetime
    solved_by: str | None
    solved_at: datetime | None

    @property
    def solved(self) -> bool:
        return self.solved_at is not None


_COLUMNS = "id, metric, week, person, note, opened_by, opened_at, solved_by, solved_at"


def _issue(row: tuple[Any, ...]) -> Issue:
    return Issue(int(row[0]), str(row[1]), str(row[2]), str(row[3]), str(row[4]), str(row[5]),
                 row[6], None if row[7] is None else str(row[7]), row[8])


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(tzinfo=None) if at.utcoffset() is not None else at


def _exists(p: Project) -> bool:
    return ISSUES in p.engine.relations()


def open_issue(p: Project, body: IssueIn, by: str, at: datetime) -> Issue:
    """Open an issue on `body.metric`'s cell of `body.week`. A mistake names its field."""
    if body.metric not in p.catalog.metrics:
        raise FieldError("metric", f"there is no metric {body.metric!r}")
    try:
        week = p.calendar.parse(body.week)
    except NorthstarError as exc:
        raise FieldError("week", str(exc)) from None
    if week.kind != "week":
        raise FieldError("week", f"{body.week!r} is a {week.kind}, not an ISO week (2025-W07)")
    if body.person not in p.catalog.people:
        raise FieldError("person", f"there is no person {body.person!r} in people.yml")
    note = body.note.strip()
    if not note:
        raise FieldError("note", "say what is wrong")
    with p.engine.transaction():
        issue_id = int(p.engine.scalar(f"SELECT coalesce(max(id), 0) + 1 FROM {ISSUES}"))
        p.engine.execute(f"INSERT INTO {ISSUES} ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         [issue_id, body.metric, str(week), body.person, note, by, _utc(at),
                          None, None])
    return get(p, issue_id)


def get(p: Project, issue_id: int) -> Issue:
    rows = p.engine.rows(f"SELECT {_COLUMNS} FROM {ISSUES} WHERE id = ?", [issue_id]) if _exists(
        p) else []
    if not rows:
        raise NorthstarError(f"there is no issue {issue_id}")
    return _issue(rows[0])


def solve(p: Project, issue_id: int, by: str, at: datetime) -> Issue:
    """Mark an issue solved; one solved already stays as it was (and says so)."""
    found = get(p, issue_id)
    if found.solved:
        raise NorthstarError(f"issue {issue_id} was solved already, by {found.solved_by}")
    p.engine.execute(f"UPDATE {ISSUES} SET solved_by = ?, solved_at = ? "
                     "WHERE id = ? AND solved_at IS NULL", [by, _utc(at), issue_id])
    return get(p, issue_id)


def during(p: Project, week: Period) -> list[Issue]:
    """The issues open at some time during `week` (company time): opened before it ended and
    not solved before it began, oldest first. Last week's unsolved issues are this week's."""
    if not _exists(p):
        return []
    start, end = p.calendar.utc_bounds(week)
    return [_issue(r) for r in p.engine.rows(
        f"SELECT {_COLUMNS} FROM {ISSUES} WHERE opened_at < ? "
        "AND (solved_at IS NULL OR solved_at >= ?) ORDER BY opened_at, id", [end, start])]


def as_dict(p: Project, issue: Issue, week: Period) -> dict[str, Any]:
    """An issue as the weekly view of `week` shows it: with names for people, the meeting it
    was raised in, and how many meetings it has been carried to since."""
    cal = p.calendar
    raised = cal.containing("week", issue.opened_at)
    carried = 0
    w = raised
    while w < week:
        w, carried = cal.next(w), carried + 1
    m = p.catalog.metrics.get(issue.metric)
    person = p.catalog.people.get(issue.person)
    # solved as of `week`: an issue solved in a later meeting was still open in this one
    solved = issue.solved_at is not None and cal.containing("week", issue.solved_at) <= week
    return {
        "id": issue.id, "metric": issue.metric, "metric_title": m.title if m else issue.metric,
        "week": issue.week, "week_label": period_label(cal, cal.parse(issue.week)),
        "person": issue.person, "person_name": person.name if person else issue.person,
        "note": issue.note, "opened_by": issue.opened_by,
        "opened_at": issue.opened_at.replace(tzinfo=UTC).isoformat(),
        "raised_in": str(raised), "carried": carried,
        "solved": solved, "solved_by": issue.solved_by if solved else None,
        "solved_at": issue.solved_at.replace(tzinfo=UTC).isoformat()
        if solved and issue.solved_at is not None else None,
    }
