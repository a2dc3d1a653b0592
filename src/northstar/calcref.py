"""The calculation reference: every metric's formula in words and in SQL, the ledger tables it
reads and a worked example on the project's own data, as one Markdown document to review
offline (`northstar docs calc`).

Nothing here computes a number its own way: the values come from the metric layer
(`Metrics.compute_each`, as pages and the API get them), the SQL is the statement the metric
layer runs for the example's period (`Metrics.statements`), and the row counts run that same
statement with `count(*)` as its measure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from northstar.engines.base import quote
from northstar.errors import NorthstarError
from northstar.formatting import format_cell, format_period, format_value
from northstar.ledger.schema import LOG_TABLE, RAW_PREFIX
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef
from northstar.periods import Period
from northstar.project import Project

__all__ = ["calculation_reference"]

_OPERATORS = {"/": "\N{DIVISION SIGN}", "*": "\N{MULTIPLICATION SIGN}", "+": "+",
              "-": "\N{MINUS SIGN}"}
_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[-+*/()]")


@dataclass(frozen=True)
class _Source:
    table: str
    sources: str
    rows: int
    last_load: datetime | None


def calculation_reference(p: Project, period: str | None = None) -> str:
    """The reference as Markdown. Each metric's worked example is for `period` when it is of
    the metric's grain, else for the last closed period of its grain."""
    metrics = dict(sorted(p.catalog.metrics.items()))
    example = {name: _example_period(p, m, period) for name, m in metrics.items()}
    values = _values(p, example)
    lines = [
        f"# Calculation reference: {p.settings.company.name}",
        "",
        f"Written by `northstar docs calc` on {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
        f" from the project's {len(metrics)} metric files. Each metric has its formula in "
        "words and in SQL, the ledger tables it reads, and a worked example on this "
        "project's data (by default the last closed period of its grain). Derived metrics "
        "(formulas over other metrics) are listed last, with their inputs.",
        "",
    ]
    base = [m for m in metrics.values() if m.kind != "expression"]
    derived = [m for m in metrics.values() if m.kind == "expression"]
    for title, group in (("Metrics", base), ("Derived metrics", derived)):
        if not group:
            continue
        lines += [f"## {title}", ""]
        for department in sorted({m.department for m in group}):
            lines += [f"### {department.replace('_', ' ').capitalize()}", ""]
            for m in (m for m in group if m.department == department):
                lines += _metric(p, m, example[m.name], values)
    return "\n".join(lines).rstrip() + "\n"


def _example_period(p: Project, m: MetricDef, asked: str | None) -> Period:
    if asked is not None:
        chosen = p.period(asked)
        if chosen.kind == m.grain:
            return chosen
    return p.calendar.previous(p.calendar.current(m.grain, p.metrics.now))


def _values(p: Project, example: dict[str, Period]) -> dict[tuple[str, str], MetricValue | str]:
    """Each metric's value for its example period and, for a derived one, its parts' values
    for the same period; a metric that fails gives its error instead."""
    wanted: dict[Period, list[str]] = {}
    for name, per in example.items():
        m = p.catalog.get(name)
        for part in [name, *m.referenced_metrics()]:
            if part in p.catalog.metrics and part not in wanted.setdefault(per, []):
                wanted[per].append(part)
    out: dict[tuple[str, str], MetricValue | str] = {}
    for per, names in wanted.items():
        done, errors = p.metrics.compute_each(names, [per])
        out.update(((v.metric, v.period), v) for v in done if not v.slice)
        out.update(((name, str(per)), str(exc)) for name, exc in errors.items())
    return out


def _metric(p: Project, m: MetricDef, per: Period,
            values: dict[tuple[str, str], MetricValue | str]) -> list[str]:
    lines = [f"#### {m.title} (`{m.name}`)", "", " ".join(m.description.split()), ""]
    facts = [f"unit {m.unit}", f"per {m.grain}", f"{m.direction} is better"]
    owner = p.catalog.owner_of(m.name)
    if owner is not None:
        facts.append(f"owner {owner.name}")
    lines += ["- " + "; ".join(facts) + ".", f"- Formula: {_in_words(p, m)}"]
    if m.target is not None:
        lines.append(f"- Target: {_target_words(m)}")
    sources = _sources(p, m)
    if sources:
        lines.append("- Reads: " + "; ".join(
            f"`{s.table}` ({s.sources}, {s.rows:,} rows"
            + (f", last loaded {format_cell(s.last_load)})" if s.last_load else ")")
            for s in sources))
    lines.append("")
    statements = _statements(p, m, per)
    if statements:
        lines += ["```sql", *("\n".join(s.strip() for s in statements).splitlines()), "```", ""]
    lines += [f"Worked example, {format_period(str(per))} ({per}): {_example(p, m, per, values)}",
              ""]
    return lines


def _in_words(p: Project, m: MetricDef) -> str:
    if m.kind == "measure":
        text = (f"`{m.measure}` over the rows of `{m.model}` whose `{m.time_column}` falls "
                + ("before the period's end (a balance: every row up to then)" if m.cumulative
                   else "in the period"))
        return text + (f", where `{' '.join(str(m.filter).split())}`." if m.filter else ".")
    if m.kind == "sql":
        return ("the query below, run for each period ({period_start} is its first day and "
                "{period_end} the day after its last; {prior_start} and {prior_end} the same "
                "period last year).")
    if m.kind == "manual":
        return "entered by hand for each period (`northstar manual`), with its author and note."
    return " ".join(_word(p, t) for t in _TOKEN.findall(str(m.expression))) + "."


def _word(p: Project, token: str) -> str:
    if token in _OPERATORS:
        return _OPERATORS[token]
    found = p.catalog.metrics.get(token)
    return f"{found.title} (`{token}`)" if found is not None else token


def _target_words(m: MetricDef) -> str:
    t = m.target
    assert t is not None
    parts = []
    if t.value is not None:
        parts.append(format_value(t.value, m.unit, m.decimals, compact=False) + " each period")
    if t.periods:
        parts.append("named periods: " + ", ".join(
            f"{k} {format_value(v, m.unit, m.decimals, compact=False)}"
            for k, v in sorted(t.periods.items())))
    if t.sql is not None:
        parts.append("a query: `" + " ".join(t.sql.split()) + "`")
    return "; ".join(parts) + "."


def _sources(p: Project, m: MetricDef) -> list[_Source]:
    try:
        tables = [t for t in p.metrics.sources(m.name) if t.startswith(RAW_PREFIX)]
    except NorthstarError:  # a model that does not exist: the example says so
        return []
    out = []
    for table in tables:
        found = p.engine.rows(
            f"SELECT string_agg(DISTINCT source_name, ', '), max(finished_at) FROM {LOG_TABLE} "
            "WHERE table_name = ? AND status = 'ok'", [table])
        names, last = found[0] if found else (None, None)
        rows = 0
        if names:
            rows = int(p.engine.scalar(f"SELECT count(*) FROM {quote(table)}") or 0)
        out.append(_Source(table, names or "never loaded", rows, last))
    return out


def _statements(p: Project, m: MetricDef, per: Period) -> list[str]:
    try:
        return p.metrics.statements(m, per)
    except NorthstarError:  # the example shows the error
        return []


def _example(p: Project, m: MetricDef, per: Period,
             values: dict[tuple[str, str], MetricValue | str]) -> str:
    v = values.get((m.name, str(per)))
    if isinstance(v, str) or v is None:
        return f"could not be computed: {v or 'no value'}."
    shown = format_value(v.value, m.unit, m.decimals, compact=False)
    if v.label:  # the metric file's words for it, and the number they stand for
        shown = f"{v.label} (counted as {shown})"
    if m.kind == "expression":
        parts = " ".join(_part(p, t, str(per), values) for t in _TOKEN.findall(str(m.expression)))
        return f"{parts} = **{shown}**" + _judged(m, v)
    if m.kind == "measure" and v.value is not None:
        rows = _rows_in(p, m, per)
        lead = f"{rows:,} rows of `{m.model}` in the period; " if rows is not None else ""
        return f"{lead}`{m.measure}` = **{shown}**" + _judged(m, v)
    if v.value is None:
        return "no value for this period (no data, or the formula divides by zero)."
    origin = " (entered by hand)" if v.origin == "manual" else ""
    return f"**{shown}**{origin}" + _judged(m, v)


def _part(p: Project, token: str, period: str,
          values: dict[tuple[str, str], MetricValue | str]) -> str:
    if token in _OPERATORS:
        return _OPERATORS[token]
    found = p.catalog.metrics.get(token)
    if found is None:
        return token
    v = values.get((token, period))
    if not isinstance(v, MetricValue):
        return f"{found.title} (no value)"
    return f"{found.title} ({format_value(v.value, found.unit, found.decimals, compact=False)})"


def _judged(m: MetricDef, v: MetricValue) -> str:
    if v.status is None or v.target is None:
        return "."
    target = format_value(v.target, m.unit, m.decimals, compact=False)
    return f" against a target of {target}: {v.status}."


def _rows_in(p: Project, m: MetricDef, per: Period) -> int | None:
    """How many rows the measure runs over: the metric's own statement, measure count(*)."""
    counting = m.model_copy(update={"measure": "count(*)"})
    try:
        statements = p.metrics.statements(counting, per)
        return sum(int(row[-1] or 0) for sql in statements
                   for row in p.engine.rows(p.engine.transpile(sql)))
    except NorthstarError:  # the count is a courtesy; the value above is what counts
        return None


