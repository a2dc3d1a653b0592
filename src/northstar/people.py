"""`people.yml`: who owns which metric. One metric per person is a first-class rule."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from northstar.files import Loc, load_yaml, validate

PEOPLE_FILE = "people.yml"


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Stable identifier, also used as `owner_id` tag in the ledger."""
    name: str
    title: str | None = None
    department: str
    team: str | None = None
    metric: str | None = None
    """The one metric this person owns."""
    email: str | None = None
    """Where alerts and the weekly digest are emailed (docs/alerts.md)."""
    lead: bool = False
    """Leads the department: gets its alerts (`notify: [lead]`) and its scorecard in the
    weekly digest. A department may have more than one lead."""
    proposal: bool = False
    """True while the metric is a proposal the company has not confirmed."""


class PeopleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    people: list[Person] = []


def load_people(folder: Path) -> tuple[list[Person], dict[Loc, int], Path]:
    path = folder / PEOPLE_FILE
    if not path.exists():
        return [], {}, path
    data, lines = load_yaml(path)
    parsed = validate(PeopleFile, data or {}, path, lines)
    return parsed.people, lines, path
