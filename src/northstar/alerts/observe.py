"""What each kind of rule sees now: one `Observation` per subject (a metric, a source table, a
check, a finding), with the state the rule compares against the state it saw last time.

The numbers and colours are the ones the app shows: the current period of each metric, an
open one judged by its pace; the findings beside a number; the sources' health; the data
checks' results."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from northstar.alerts.message import Message
from northstar.alerts.rules import AlertsFile, Rule
from northstar.formatting import format_value

if TYPE_CHECKING:
    from northstar.metrics.compute import MetricValue
    from northstar.project import Project

__all__ = ["Observation", "Snapshot", "observe"]


@dataclass(frozen=True)
class Observation:
    subject: str
    """What the state is of: `metric:new_mrr`, `source:hubspot/deals`, `check:plans`..."""
    state: str
    alarming: bool
    """Entering this state raises an alert."""
    message: Message
    metric: str | None = None


class Snapshot:
    """What one evaluation reads, computed once and shared by every rule."""

    def __init__(self, p: Project, cfg: AlertsFile, now: datetime) -> None:
        self.p = p
        self.cfg = cfg
        self.now = now
        self._values: dict[str, MetricValue] | None = None
        self.errors: dict[str, str] = {}

    @property
    def values(self) -> dict[str, MetricValue]:
        """Each metric's value for its current period (metrics that fail are left out)."""
        if self._values is None:
            names = list(self.p.catalog.metrics)
            values, errors = self.p.metrics.compute_each(names)
            self._values = {v.metric: v for v in values}
            self.errors = {k: str(e) for k, e in errors.items()}
        return self._values

    def link(self, path: str) -> str:
        return f"{self.cfg.base_url}{path}"

    def metric_message(self, v: MetricValue, title: str, headline: str,
                       details: list[str] | None = None) -> Message:
        m = self.p.catalog.get(v.metric)
        target = format_value(v.target, m.unit, m.decimals) if v.target is not None else None
        if target and v.open and v.pace_target is not None:
            by_today = format_value(v.pace_target, m.unit, m.decimals)
            target = f"{target} for {v.period} ({by_today} by today, at pace)"
        return Message(
            title=title, headline=headline, metric=m.name, metric_title=m.title,
            period=f"{v.period} (so far)" if v.open else v.period,
            value=format_value(v.value, m.unit, m.decimals), status=v.status, target=target,
            action=v.action, link=self.link(f"/metric/{m.name}"), details=details or [])


def _watched(snap: Snapshot, rule: Rule) -> list[MetricValue]:
    values = snap.values
    names = rule.metrics or list(snap.p.catalog.metrics)
    return [values[n] for n in names if n in values]


def _status(snap: Snapshot, rule: Rule) -> list[Observation]:
    out = []
    for v in _watched(snap, rule):
        if v.status is None:  # no target and no bands: nothing to judge it by
            continue
        headline = (f"{v.title} is {v.status} for {v.period}"
                    + (", judged by its pace so far." if v.open else "."))
        out.append(Observation(f"metric:{v.metric}", v.status, v.status in rule.to,
                               snap.metric_message(v, f"{v.title} is {v.status}", headline),
                               v.metric))
    return out


def _threshold(snap: Snapshot, rule: Rule) -> list[Observation]:
    out = []
    for v in _watched(snap, rule):
        m = snap.p.catalog.get(v.metric)
        if v.value is None:
            out.append(Observation(f"metric:{v.metric}", "unknown", False,
                                   Message(f"{v.title}: no value", ""), v.metric))
            continue
        value = float(v.value)
        if rule.above is not None:
            beyond, line, word = value > rule.above, rule.above, "above"
        else:
            assert rule.below is not None
            beyond, line, word = value < rule.below, rule.below, "below"
        limit = format_value(line, m.unit, m.decimals)
        shown = format_value(v.value, m.unit, m.decimals)
        title = f"{v.title} is {word} {limit}"
        headline = f"{v.title} is {shown} for {v.period}, {word} the line of {limit}."
        out.append(Observation(f"metric:{v.metric}", "beyond" if beyond else "within", beyond,
                               snap.metric_message(v, title, headline), v.metric))
    return out


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _finding(snap: Snapshot, rule: Rule) -> list[Observation]:
    from northstar.web.views import findings_for, late_findings

    out = []
    for v in _watched(snap, rule):
        found = findings_for(snap.p, v, notes=False) + late_findings(snap.p, v.metric, [v])
        for text in found:
            title = f"Data-quality finding on {v.title}"
            msg = snap.metric_message(v, title, text)
            out.append(Observation(f"finding:{v.metric}:{_digest(text)}", "present", True, msg,
                                   v.metric))
    if not rule.metrics:  # findings recorded at load time belong to sources, not one metric
        from northstar.sources.quality import findings

        for f in findings(snap.p.ledger, 50):
            if f["severity"] not in ("rejected", "warning"):
                continue
            where = f"{f['source']} {f['table_name'].removeprefix('raw_')}"
            msg = Message(f"Data-quality finding in {where}", str(f["message"]),
                          details=[f"Severity: {f['severity']}"],
                          link=snap.link("/integrity"))
            key = f"{f['source']}.{f['table_name']}.{f['kind']}.{f['period']}"
            out.append(Observation(f"load:{_digest(key)}", "present", True, msg))
    return out


def _source(snap: Snapshot, rule: Rule) -> list[Observation]:
    from northstar.web.views import source_health

    stale_hours = snap.p.settings.web.stale_hours
    naive = snap.now.astimezone(UTC).replace(tzinfo=None)
    out = []
    for h in source_health(snap.p, naive, stale_hours):
        if rule.sources and h.source not in rule.sources:
            continue
        where = f"{h.source} {h.table}"
        last = f"{h.last_ok:%Y-%m-%d %H:%M} UTC" if h.last_ok else "never"
        if h.status == "failed":
            title, headline = f"{where} failed", f"The last load of {where} failed: {h.error}"
        elif h.status == "stale":
            title = f"{where} is stale"
            headline = (f"No good load of {where} for more than {stale_hours:g} hours "
                        f"(last: {last}).")
        else:
            title, headline = f"{where} is collecting again", f"Last good load: {last}."
        msg = Message(title, headline, details=[f"Last good load: {last}"],
                      link=snap.link("/admin#log-card"))
        out.append(Observation(f"source:{h.source}/{h.table}", h.status,
                               h.status in rule.states, msg))
    return out


def _check(snap: Snapshot, rule: Rule) -> list[Observation]:
    from northstar.checks import cached_checks

    out = []
    for r in cached_checks(snap.p):
        if rule.checks and r.name not in rule.checks:
            continue
        if rule.severity == "error" and r.severity != "error":
            continue
        bad = r.status in ("fail", "error")
        if r.status == "fail":
            headline = f"{r.failing} row(s) break it: {r.description}"
        elif r.status == "error":
            headline = f"It could not run ({r.error}): {r.description}"
        else:
            headline = r.description
        msg = Message(f"Data check {r.name} {'failed' if bad else 'passes'}", headline,
                      details=[f"Severity: {r.severity}"], link=snap.link("/integrity"))
        out.append(Observation(f"check:{r.name}", r.status, bad, msg))
    return out


_KINDS = {"status": _status, "threshold": _threshold, "finding": _finding, "source": _source,
          "check": _check}


def observe(snap: Snapshot, rule: Rule) -> list[Observation]:
    """Everything `rule` watches, as it is now."""
    return _KINDS[rule.when](snap, rule)
