"""The weekly digest: for each person, the metric they own (this period so far, and the last
closed one, with the action text); for a department's lead, also every metric of the
department side by side. Sent as one email with a plain-text and an HTML part, on the day and
at the local time alerts.yml's `digest:` says, in the company's timezone.

A digest is recorded in the alert log like an alert (kind `digest`, subject `person:week`),
so each person gets one per ISO week however often the job runs, and a failed one is retried
and shown in the app the same way."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

from northstar.alerts.message import COLOURS
from northstar.errors import NorthstarError
from northstar.formatting import format_value
from northstar.people import Person

if TYPE_CHECKING:
    from northstar.alerts.service import Alerts
    from northstar.metrics.compute import MetricValue
    from northstar.project import Project

__all__ = ["Digest", "Line", "build", "next_digest", "recipients", "send"]


@dataclass(frozen=True)
class Line:
    """One metric in a digest: this period (so far) and the last closed one."""

    metric: str
    title: str
    owner: str | None
    period: str
    value: str
    status: str | None
    target: str | None
    action: str | None
    closed_period: str
    closed_value: str
    closed_status: str | None
    link: str


@dataclass(frozen=True)
class Digest:
    person: Person
    week: str
    """The ISO week it is for, e.g. 2025-W16 (its key in the alert log)."""
    subject: str
    own: Line | None
    department: list[Line] | None
    """For a lead: every metric of the department (None for everyone else)."""
    scorecard_link: str
    text: str
    html: str


def _line(p: Project, base_url: str, now: datetime, name: str) -> Line:
    m = p.catalog.get(name)
    current = p.calendar.current(m.grain, now)
    closed = p.calendar.previous(current)
    values: dict[str, MetricValue] = {v.period: v for v in p.metrics.compute([name],
                                                                              [closed, current])}
    v, c = values[str(current)], values[str(closed)]
    owner = p.catalog.owner_of(name)

    def fmt(x: object) -> str:
        return format_value(x, m.unit, m.decimals)  # type: ignore[arg-type]

    target = None
    if v.target is not None:
        target = f"{fmt(v.target)} for {v.period}"
        if v.open and v.pace_target is not None:
            target += f" ({fmt(v.pace_target)} by today, at pace)"
    return Line(name, m.title, owner.name if owner else None,
                f"{v.period} so far" if v.open else v.period, fmt(v.value), v.status, target,
                v.action, c.period, fmt(c.value), c.status, f"{base_url}/metric/{name}")


def recipients(p: Project, only: list[str] | None = None) -> list[Person]:
    """Everyone with an email who owns a metric or leads a department (or `only` these)."""
    people = sorted(p.catalog.people.values(), key=lambda x: x.id)
    if only:
        unknown = [x for x in only if x not in p.catalog.people]
        if unknown:
            raise NorthstarError(f"no person {unknown[0]!r} in people.yml")
        return [x for x in people if x.id in only]
    return [x for x in people if x.email and (x.metric or x.lead)]


def build(p: Project, person: Person, base_url: str, now: datetime) -> Digest:
    """`person`'s digest as of `now` (aware)."""
    local = now.astimezone(p.calendar.tz)
    year, week, _ = local.isocalendar()
    week_key = f"{year}-W{week:02d}"
    own = _line(p, base_url, now, person.metric) if person.metric in p.catalog.metrics else None
    department = None
    if person.lead:
        names = sorted((m.name for m in p.catalog if m.department == person.department),
                       key=lambda n: p.catalog.get(n).title)
        department = [_line(p, base_url, now, n) for n in names]
    scorecard = f"{base_url}/scorecard?department={person.department}"
    subject = f"Your week in numbers, {week_key}"
    if own is not None and own.status:
        subject = f"{own.title} is {own.status}: your week in numbers, {week_key}"
    digest = Digest(person, week_key, subject, own, department, scorecard, "", "")
    return Digest(person, week_key, subject, own, department, scorecard,
                  _text(digest, p), _html(digest, p))


def _status(status: str | None) -> str:
    return f" ({status})" if status else ""


def _text(d: Digest, p: Project) -> str:
    first = d.person.name.split()[0]
    out = [f"Good morning {first},", "",
           f"Your numbers for the week of {d.week} ({p.settings.company.name}).", ""]
    if d.own is not None:
        o = d.own
        out += [f"Your metric: {o.title}",
                f"  {o.period}: {o.value}{_status(o.status)}"
                + (f"; target {o.target}" if o.target else ""),
                f"  {o.closed_period}: {o.closed_value}{_status(o.closed_status)}"]
        if o.action:
            out.append(f"  What to do: {o.action}")
        out += [f"  Open it: {o.link}", ""]
    elif d.person.metric is None:
        out += ["You do not own a metric yet (people.yml).", ""]
    if d.department is not None:
        out.append(f"The {d.person.department} scorecard (you lead it):")
        for line in d.department:
            who = f" ({line.owner})" if line.owner else ""
            out.append(f"  {line.title}{who}: {line.period} {line.value}{_status(line.status)}"
                       f"; {line.closed_period} {line.closed_value}"
                       f"{_status(line.closed_status)}")
        out += [f"  Open it: {d.scorecard_link}", ""]
    return "\n".join(out).rstrip() + "\n"


def _cell(value: str, status: str | None) -> str:
    colour = COLOURS.get(status or "", "#24292f")
    mark = (f' <span style="color:{colour};font-weight:bold">{escape(status)}</span>'
            if status else "")
    return f'<td style="padding:4px 10px">{escape(value)}{mark}</td>'


def _html(d: Digest, p: Project) -> str:
    first = escape(d.person.name.split()[0])
    parts = [f'<div style="font-family:system-ui,sans-serif;font-size:14px;color:#24292f">'
             f"<p>Good morning {first},</p><p>Your numbers for the week of {escape(d.week)} "
             f"({escape(p.settings.company.name)}).</p>"]
    if d.own is not None:
        o = d.own
        colour = COLOURS.get(o.status or "", "#24292f")
        parts.append(
            f'<h2 style="font-size:18px;border-left:4px solid {colour};padding-left:8px">'
            f'Your metric: <a href="{escape(o.link)}">{escape(o.title)}</a></h2><table>'
            f'<tr><th align="left">{escape(o.period)}</th>{_cell(o.value, o.status)}</tr>'
            f'<tr><th align="left">{escape(o.closed_period)}</th>'
            f"{_cell(o.closed_value, o.closed_status)}</tr>"
            + (f'<tr><th align="left">Target</th><td style="padding:4px 10px">'
               f"{escape(o.target)}</td></tr>" if o.target else "") + "</table>"
            + (f"<p><strong>What to do:</strong> {escape(o.action)}</p>" if o.action else ""))
    if d.department is not None:
        rows = "".join(
            f'<tr><td style="padding:4px 10px"><a href="{escape(x.link)}">{escape(x.title)}'
            f'</a></td><td style="padding:4px 10px">{escape(x.owner or "")}</td>'
            f"{_cell(x.value, x.status)}{_cell(x.closed_value, x.closed_status)}</tr>"
            for x in d.department)
        period = escape(d.department[0].period) if d.department else ""
        closed = escape(d.department[0].closed_period) if d.department else ""
        parts.append(
            f'<h2 style="font-size:18px">The {escape(d.person.department)} scorecard</h2>'
            f'<table style="border-collapse:collapse"><tr><th align="left">Metric</th>'
            f'<th align="left">Owner</th><th align="left">{period}</th>'
            f'<th align="left">{closed}</th></tr>{rows}</table>'
            f'<p><a href="{escape(d.scorecard_link)}">Open the scorecard</a></p>')
    parts.append("</div>")
    return "".join(parts)


def next_digest(cron: str, timezone: str, after: datetime) -> datetime:
    """When the digest goes out next, strictly after `after` (aware), in the company's
    timezone."""
    from datetime import timedelta

    from northstar.schedule import crontab_trigger

    fire = crontab_trigger(cron, timezone).get_next_fire_time(None, after + timedelta(seconds=1))
    assert fire is not None  # a weekly crontab line always fires again
    return fire  # type: ignore[no-any-return]


def send(alerts: Alerts, only: list[str] | None = None, *, dry_run: bool = False,
         force: bool = False, lock: AbstractContextManager[Any] | None = None,
         ) -> list[tuple[Digest, str]]:
    """Raise this week's digest for each recipient and deliver it; returns each digest with
    what became of it: `sent`, `failed: why`, `already sent` (this week), or `dry run`.
    `lock` guards the database as in `Alerts.deliver`."""
    with lock or nullcontext():
        out, queued = _raise(alerts, only, dry_run=dry_run, force=force)
    if queued:
        results = {s.delivery.alert_id: s for s in alerts.deliver(lock)}
        for alert_id, d in queued.items():
            s = results.get(alert_id)
            out.append((d, "sent" if s is not None and s.ok else
                        f"failed: {s.error if s else 'not delivered'}"))
    return out


def _raise(alerts: Alerts, only: list[str] | None, *, dry_run: bool, force: bool
           ) -> tuple[list[tuple[Digest, str]], dict[int, Digest]]:
    p = alerts.p
    now = alerts.now().replace(tzinfo=UTC)
    out: list[tuple[Digest, str]] = []
    queued: dict[int, Digest] = {}
    for person in recipients(p, only or alerts.cfg.digest.people or None):
        d = build(p, person, alerts.cfg.base_url, now)
        subject = f"{person.id}:{d.week}"
        if dry_run:
            out.append((d, "dry run"))
        elif not person.email:
            out.append((d, f"failed: {person.name} has no email in people.yml"))
        elif alerts.log.sent_digest(subject) and not force:
            out.append((d, "already sent"))
        else:
            with p.engine.transaction():
                alert_id = alerts.log.add_alert(
                    rule="digest", kind="digest", subject=subject, state="sent", previous=None,
                    outcome="sent", metric=person.metric, title=d.subject,
                    message={"subject": d.subject, "digest_text": d.text,
                             "digest_html": d.html}, at=alerts.now())
                alerts.log.add_delivery(alert_id, person.id, "email", person.email,
                                        alerts.now())
            queued[alert_id] = d
    return out, queued
