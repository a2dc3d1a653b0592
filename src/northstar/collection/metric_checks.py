"""The suspicious-data rules, applied to metric values after a collection run.

The raw tables have their checks in sources.toml (`northstar.sources.quality`); a number can
be wrong while every row is fine, so the same rules apply to the metrics, as each metric file
declares them:

- `checks.expect_nonzero`: a closed period at zero or empty (zero tickets, zero endpoints)
  once the metric has had a value, is recorded for review (the months before its source had
  any data are not);
- `non_negative`: a negative value, in any period, is an error (and the period is not frozen
  with it: the metric layer keeps computing it until the data is fixed);
- `checks.max_change`: a closed period that moved more than this from the one before it (0.5 =
  50%) is a warning.

Findings go to the same ledger table as the raw tables' (`ns_findings`, source `metrics`,
the metric's name where a raw finding names its table), once per metric, rule and period, so
`northstar status` and the admin page show both kinds together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from northstar.formatting import format_value
from northstar.sources.quality import note_finding

if TYPE_CHECKING:
    from northstar.metrics.compute import MetricValue
    from northstar.metrics.definition import MetricDef
    from northstar.periods import Period
    from northstar.project import Project

__all__ = ["METRICS_SOURCE", "MetricFinding", "check_metrics"]

METRICS_SOURCE = "metrics"


@dataclass(frozen=True)
class MetricFinding:
    metric: str
    period: str
    kind: str
    """`zero`, `negative` or `change`."""
    severity: str
    """`review`, `error` or `warning`, as for the raw tables."""
    message: str


def _has_rules(m: MetricDef) -> bool:
    return m.non_negative or m.checks.expect_nonzero or m.checks.max_change is not None


def _periods(project: Project, m: MetricDef, start: date, end: date) -> list[Period]:
    """The periods of the metric's grain from the one holding `start` to the one holding the
    day before `end`, and the one before them (what the first is compared with)."""
    cal = project.calendar
    first = cal.previous(cal.containing(m.grain, start))
    last = cal.containing(m.grain, end - timedelta(days=1))
    out = [first]
    while out[-1] != last:
        out.append(cal.next(out[-1]))
    return out


def _judge(m: MetricDef, values: list[MetricValue]) -> list[MetricFinding]:
    out: list[MetricFinding] = []
    had: MetricValue | None = None
    """The latest period before `v` with a value other than zero: a zero after it looks like
    a source that stopped; a zero before the metric ever had a value is the time before the
    source had data, and is not flagged."""
    for before, v in zip([None, *values[:-1]], values, strict=True):
        if before is not None and before.value not in (None, 0):
            had = before
        if before is None:
            continue  # only there to be compared with
        shown = "no value" if v.value is None else format_value(v.value, m.unit, m.decimals)
        if m.non_negative and v.value is not None and v.value < 0:
            out.append(MetricFinding(m.name, v.period, "negative", "error",
                                     f"{m.title} is negative for {v.period} ({shown}), which "
                                     "it never should be: check the source records behind it"))
        if v.open:
            continue
        if m.checks.expect_nonzero and v.value in (None, 0) and had is not None:
            out.append(MetricFinding(
                m.name, v.period, "zero", "review",
                f"{m.title} is {'0' if v.value == 0 else 'empty'} for {v.period}, after "
                f"{format_value(had.value, m.unit, m.decimals)} for {had.period}: check that "
                "the source is still sending data before trusting it"))
        limit = m.checks.max_change
        if out and (out[-1].period, out[-1].kind) == (v.period, "zero"):
            continue  # a drop to zero is said once, as a zero
        if (limit is not None and v.value is not None and before.value
                and not before.open):
            change = (float(v.value) - float(before.value)) / abs(float(before.value))
            if abs(change) > limit:
                out.append(MetricFinding(
                    m.name, v.period, "change", "warning",
                    f"{m.title} moved {change:+.0%} from {before.period} "
                    f"({format_value(before.value, m.unit, m.decimals)}) to {v.period} "
                    f"({shown}), more than {limit:.0%}: check it is real"))
    return out


def check_metrics(project: Project, start: date, end: date,
                  tables: set[str] | None = None) -> list[MetricFinding]:
    """Check every metric that declares a rule over the local dates [start, end), and record
    what is new. `tables`: only the metrics that read one of these raw tables (the ones a
    run just wrote). Returns every finding, recorded now or before."""
    found: list[MetricFinding] = []
    for m in sorted(project.catalog, key=lambda x: x.name):
        if not _has_rules(m):
            continue
        if tables is not None and not tables & set(project.metrics.sources(m.name)):
            continue
        values, errors = project.metrics.compute_each([m.name], _periods(project, m, start, end))
        if errors:
            continue  # a metric that cannot be computed says so where it is shown
        found += _judge(m, values)
    for f in found:
        note_finding(project.ledger, METRICS_SOURCE, f.metric, f.metric, f.kind, f.severity,
                     f.period, f.message, period=f.period)
    return found

