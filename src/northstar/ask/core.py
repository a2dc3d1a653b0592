"""The answering core: runs a `Plan` through the metric layer, read-only, and says what it found.

Every number comes from `MetricComputer.compute`, the function the pages, the API and the CLI
call, with the same periods, slice and filters, and is formatted as the tiles format it
(`views.value_dict`): an answer's number is the tile's number by construction. The core runs
no SQL of its own making from a question (a plan names metrics, tags and periods, nothing
else), freezes nothing, and reads only the metrics the asker may see."""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from northstar.ask.parse import TAG_WORDS, Reader, parse
from northstar.ask.periods import resolve_period
from northstar.ask.plan import Clarification, Comparison, Plan, Refusal
from northstar.ask.vocabulary import Vocabulary
from northstar.errors import MetricError, NorthstarError, PeriodError, UnknownMetricError
from northstar.formatting import format_change, format_delta, format_period, format_value
from northstar.metrics.compute import MetricValue
from northstar.metrics.definition import MetricDef
from northstar.periods import Period

if TYPE_CHECKING:
    from northstar.project import Project

__all__ = ["Answer", "Asker", "Item", "Result", "Step", "answer_plan", "answer_steps", "ask",
           "ask_steps", "plan_steps", "plan_words", "vocabulary_of"]

Role = Literal["admin", "editor", "viewer"]


@dataclass(frozen=True)
class Asker:
    """Who asks: a user of the web app (or `northstar ask --user`), or, with no role, the
    person at the project's own terminal, who can read every file anyway."""

    name: str
    role: Role | None = None
    person: str | None = None


def visible_metrics(p: Project, asker: Asker) -> set[str]:
    """The metrics `asker` may see: what the pages show their role. Every page of the web app
    (home, metric, scorecard, dashboards, drill-through) shows every metric to every role,
    viewer, editor and admin, so each sees all; what only editors and admins see (users,
    tokens, the audit log, the forms that write) is not a metric, and Ask never reads it."""
    return set(p.catalog.metrics)


# -- the answer ----------------------------------------------------------------------------
class Compared(BaseModel):
    kind: Comparison
    label: str
    """What the number is held against, in words: "Oct 2025", "target"."""
    period: str | None
    value: float | None
    formatted: str
    change: str
    """The value against it, as the tiles write a change: +12.5%, +1.2 pts."""


class Point(BaseModel):
    period: str
    label: str
    value: float | None
    formatted: str
    status: str | None
    open: bool


class SliceRow(BaseModel):
    tag: str
    slice: str | None
    label: str
    value: float | None
    formatted: str
    previous: float | None
    change: str


class Part(BaseModel):
    metric: str
    title: str
    value: float | None
    formatted: str
    previous: float | None
    change: str


class Why(BaseModel):
    movers: list[SliceRow]
    """The slices whose number moved most against the previous period, largest move first."""
    parts: list[Part]
    """For a metric built from others (a ratio): each part and how it moved."""
    corrections: list[str]
    """Adjustments, manual values and record corrections behind the number, in words."""
    findings: list[str]
    """Data-quality findings on the number (as its page shows them)."""


class Link(BaseModel):
    label: str
    href: str


class Item(BaseModel):
    """One metric's answer."""

    metric: str
    title: str
    unit: str
    period: str
    period_label: str
    open: bool
    """The period is under way: the number is so far."""
    value: float | None
    formatted: str
    status: str | None
    target: float | None
    target_formatted: str
    action: str | None
    description: str
    """What the metric is, in plain words (the metric file's description)."""
    formula: str
    compared: Compared | None = None
    series: list[Point] = []
    slices: list[SliceRow] = []
    why: Why | None = None
    links: list[Link]
    text: str
    tile: dict[str, Any]
    """The number as GET /api/metrics gives it (raw and formatted)."""


class Answer(BaseModel):
    kind: Literal["answer"] = "answer"
    question: str | None
    plan: Plan
    """The plan as run: its period is a period string."""
    items: list[Item]
    errors: list[str] = []
    """Metrics that could not be computed, and why."""
    text: str
    read_by: Literal["parser", "model"] = "parser"
    """Who read the question into the plan: the built-in reader or the language model."""


Result = Answer | Clarification | Refusal
Stage = Literal["model", "reading", "number", "detail", "why", "links", "error", "result"]


@dataclass
class Step:
    """One step of an answer as it is worked out (`ask_steps`, `answer_steps`): what a stream
    sends as it comes. `index` is the metric's place in the plan; `item` its answer so far."""

    stage: Stage
    message: str = ""
    plan: Plan | None = None
    index: int = 0
    item: Item | None = None
    result: Result | None = None


# -- asking --------------------------------------------------------------------------------
_VOCABULARIES: weakref.WeakKeyDictionary[Project, tuple[Any, Vocabulary]] = (
    weakref.WeakKeyDictionary())


def vocabulary_of(p: Project) -> Vocabulary:
    """The project's vocabulary, read again when the ledger or the catalogue changed."""
    key = (p.metrics.state().head, id(p.catalog))
    found = _VOCABULARIES.get(p)
    if found is not None and found[0] == key:
        return found[1]
    vocabulary = Vocabulary.of_project(p)
    _VOCABULARIES[p] = (key, vocabulary)
    return vocabulary


def now_of(p: Project) -> datetime:
    return p.metrics.now or datetime.now(UTC)


def ask(p: Project, question: str, asker: Asker) -> Result:
    """Read a question with the built-in parser and answer it (or ask back, or refuse)."""
    return final(ask_steps(p, question, asker))


def final(steps: Iterator[Step]) -> Result:
    """The result a run of steps ends with."""
    result: Result | None = None
    for step in steps:
        if step.stage == "result":
            result = step.result
    assert result is not None
    return result


def ask_steps(p: Project, question: str, asker: Asker) -> Iterator[Step]:
    """`ask`, step by step, as the web panel streams it: the reading first ("reading": the
    plan, the readings asked back or the refusal), the language model's progress when one is
    connected ("model": each tool it calls), then `answer_steps`; the last step is the result."""
    reader = Reader(p.catalog, vocabulary_of(p), p.calendar, now_of(p), asker.person)
    read = parse(question, reader)
    text = " ".join(question.split())
    model = p.settings.ask.model
    if model is not None and _for_model(read, model.mode):
        from northstar.ask.model import model_steps

        yield Step("model", message="Asking the language model to read the question.")
        planned = yield from model_steps(p, text, asker, model, now_of(p))
        if isinstance(planned, Plan):
            yield Step("reading", plan=planned, message=plan_words(p, planned))
            for step in answer_steps(p, planned, asker, question=text):
                if isinstance(step.result, Answer):
                    step.result.read_by = "model"
                yield step
            return
        if not isinstance(read, Plan):  # the built-in reader's answer stands, and why
            if isinstance(read, Refusal):
                read.message += " " + planned.message
            yield Step("reading", message=_read_words(read))
            yield Step("result", result=read)
            return
    if not isinstance(read, Plan):
        yield Step("reading", message=_read_words(read))
        yield Step("result", result=read)
        return
    yield Step("reading", plan=read, message=plan_words(p, read))
    yield from answer_steps(p, read, asker, question=text)


def plan_steps(p: Project, plan: Plan | dict[str, Any], asker: Asker) -> Iterator[Step]:
    """`answer_steps` for a plan given as it is (an asked-back choice's), its reading first."""
    checked = check_plan(p, plan, asker)
    if isinstance(checked, Plan):
        yield Step("reading", plan=checked, message=plan_words(p, checked))
    else:
        yield Step("reading", message=_read_words(checked))
    yield from answer_steps(p, plan, asker)


def _read_words(read: Clarification | Refusal) -> str:
    if isinstance(read, Clarification):
        return "The question reads more than one way."
    return "Ask cannot answer this question."


def plan_words(p: Project, plan: Plan) -> str:
    """A plan in words, as the panel shows it before the numbers come: "Net revenue, the
    last month, by person, against the previous period, and why"."""
    titles = []
    for name in plan.metrics:
        try:
            titles.append(p.catalog.get(name).title)
        except (UnknownMetricError, MetricError):
            titles.append(name)
    out = [", ".join(titles)]
    if plan.period is not None:
        try:
            ending, count = resolve_period(plan.period, p.calendar, now_of(p))
        except PeriodError:
            out.append(plan.period)
        else:
            last = max(plan.last, count)
            out.append(label_of(str(ending)) if last == 1
                       else f"the {last} periods to {label_of(str(ending))}")
    elif plan.last > 1:
        out.append(f"the last {plan.last} periods")
    else:
        out.append("the current period")
    if plan.person is not None:
        who = _slice_label(p, "owner_id", plan.person)
        out.append(f"the company's figure ({who}'s metric, which cannot be split by person)")
    if plan.slice.filters:
        out.append("only " + ", ".join(f"{TAG_WORDS[t]} {_slice_label(p, t, v)}"
                                        for t, v in plan.slice.filters.items()))
    if plan.slice.by is not None:
        out.append(("the " + plan.rank + " " if plan.rank else "by ") + TAG_WORDS[plan.slice.by]
                   + (f" (top {plan.limit})" if plan.limit and plan.limit > 1 else ""))
    if plan.comparison is not None:
        out.append({"previous": "against the previous period",
                    "last_year": "against the same period last year",
                    "target": "against its target"}[plan.comparison])
    if plan.why:
        out.append("and why it moved")
    return "Reading: " + "; ".join(out) + "."


def _for_model(read: Plan | Clarification | Refusal, mode: str) -> bool:
    """Whether a question goes to the language model: never one refused for what Ask never
    does (SQL, a write, private data); with `fallback`, one the built-in reader could not
    read or would ask back."""
    if isinstance(read, Refusal) and read.reason in ("sql", "write", "private"):
        return False
    return mode == "always" or not isinstance(read, Plan)


def check_plan(p: Project, plan: Plan | dict[str, Any], asker: Asker) -> Plan | Refusal:
    """A plan (or its JSON) that may run for `asker`, or why it may not."""
    if not isinstance(plan, Plan):
        try:
            plan = Plan.model_validate(plan)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            msg = str(first["msg"]).removeprefix("Value error, ")
            return Refusal(message=f"The plan is not one Ask can run: {where}: {msg}"
                           if where else f"The plan is not one Ask can run: {msg}")
    if plan.person is not None and plan.person not in p.catalog.people:
        return Refusal(message=f"{plan.person!r} is not a person in people.yml.")
    visible = visible_metrics(p, asker)
    for name in plan.metrics:
        try:
            m = p.catalog.get(name)
        except (UnknownMetricError, MetricError) as exc:
            return Refusal(message=str(exc))
        if name not in visible:
            return Refusal(message=f"Your role does not let you see {m.title}.")
        tags = [t for t in [plan.slice.by, *plan.slice.filters] if t]
        missing = [t for t in tags if t not in m.dimensions]
        if missing:
            can = ", ".join(TAG_WORDS[d] for d in m.dimensions) or "nothing: it is one number"
            return Refusal(message=f"{m.title} cannot be split by {TAG_WORDS[missing[0]]}; "
                           f"it can be split by {can}.")
    if plan.period is not None:
        try:
            resolve_period(plan.period, p.calendar, now_of(p))
        except PeriodError as exc:
            return Refusal(message=str(exc))
    return plan


def answer_plan(p: Project, plan: Plan | dict[str, Any], asker: Asker, *,
                question: str | None = None) -> Answer | Refusal:
    """Run a plan: every number through the metric layer, read-only."""
    result = final(answer_steps(p, plan, asker, question=question))
    assert not isinstance(result, Clarification)
    return result


def answer_steps(p: Project, plan: Plan | dict[str, Any], asker: Asker, *,
                 question: str | None = None) -> Iterator[Step]:
    """`answer_plan`, step by step: for each metric its number ("number"), then the periods or
    slices behind it ("detail"), why it moved ("why"), its links and words ("links"); a
    metric that cannot be computed is an "error"; the last step is the result. Each step
    computes before it is yielded, nothing is held between steps (not even `not_freezing`),
    so a stream may pause between them."""
    checked = check_plan(p, plan, asker)
    if isinstance(checked, Refusal):
        checked.question = question
        yield Step("result", result=checked)
        return
    plan = checked
    now = now_of(p)
    ending: Period | None = None
    last = plan.last
    if plan.period is not None:
        ending, count = resolve_period(plan.period, p.calendar, now)
        last = max(last, count)
    plan = plan.model_copy(update={"period": None if ending is None else str(ending),
                                   "last": last})
    items: list[Item] = []
    errors: list[str] = []
    for index, name in enumerate(plan.metrics):
        m = p.catalog.get(name)
        periods = p.calendar.last_n(ending.kind if ending else m.grain, last, ending, now)
        try:
            for stage, item in _item_steps(p, m, plan, periods):
                yield Step(stage, index=index, item=item)
        except NorthstarError as exc:
            errors.append(f"{m.title}: {exc}")
            yield Step("error", index=index, message=errors[-1])
        else:
            items.append(item)
    if not items and errors:
        yield Step("result", result=Refusal(question=question, message=" ".join(errors)))
        return
    text = " ".join(item.text for item in items)
    if errors:
        text += " Not computed: " + "; ".join(errors)
    yield Step("result", result=Answer(question=question, plan=plan, items=items,
                                       errors=errors, text=text))


def audit_detail(question: str | None, plan: Any, result: Result) -> dict[str, Any]:
    """What the audit log keeps of a question: the question (or the plan it was given), the
    plan that ran, and the answer's words (or the choices, or why it was refused)."""
    detail: dict[str, Any] = {"question": question}
    if plan is not None:
        detail["given_plan"] = plan
    if isinstance(result, Answer):
        detail["plan"] = result.plan.model_dump(mode="json", exclude_defaults=True)
        detail["answer"] = result.text[:2000]
    elif isinstance(result, Clarification):
        detail["choices"] = [c.label for c in result.choices]
    else:
        detail["refused"] = result.message
    return detail


# -- one metric ------------------------------------------------------------------------------
def _num(v: Any) -> float | None:
    return None if v is None else float(v)


def label_of(span: str) -> str:
    """A period as people write it; the first days of one say so ("Nov 2025, days 1-7")."""
    found = re.fullmatch(r"(\S+) days 1-(\d+)", span)
    if found:
        return f"{format_period(found[1])}, days 1-{found[2]}"
    return format_period(span)


def _item_steps(p: Project, m: MetricDef, plan: Plan,
                periods: list[Period]) -> Iterator[tuple[Stage, Item]]:
    """One metric's answer, built in the steps a stream shows: the number, the detail behind
    it, why it moved, and its links and words (the same `Item`, filled in as it goes)."""
    from northstar.web import views

    filters = dict(plan.slice.filters)
    with p.metrics.not_freezing():
        values = p.metrics.compute([m.name], periods, filters=filters)
        v = values[-1]
        tile = views.value_dict(p, v)
    fmt = tile["formatted"]
    per = periods[-1]
    item = Item(
        metric=m.name, title=m.title, unit=m.unit, period=v.period,
        period_label=format_period(v.period), open=v.open, value=_num(v.value),
        formatted=fmt["value"], status=v.status, target=v.target,
        target_formatted=fmt["target"], action=v.action,
        description=" ".join(m.description.split()),
        formula=" ".join(views.formula_text(m).split()), links=[], text="", tile=tile,
    )
    if plan.comparison is not None:
        item.compared = _compared(m, v, tile, plan.comparison)
    yield "number", item
    if len(values) > 1:
        item.series = [Point(period=x.period, label=format_period(x.period), value=_num(x.value),
                             formatted=format_value(x.value, m.unit, m.decimals),
                             status=x.status, open=x.open) for x in values]
    if plan.slice.by is not None:
        with p.metrics.not_freezing():
            item.slices = _slices(p, m, per, plan.slice.by, filters, plan)
    if item.series or item.slices:
        yield "detail", item
    if plan.why:
        with p.metrics.not_freezing():
            item.why = _why(p, m, v, per, filters)
        yield "why", item
    item.links = _links(m, per)
    item.text = _text(p, m, item, plan)
    yield "links", item


def _links(m: MetricDef, per: Period) -> list[Link]:
    page = f"/metric/{m.name}" + (f"?period={per}" if per.kind == m.grain else "")
    return [Link(label=f"{m.title} page", href=page),
            Link(label="The rows behind it", href=f"/drill/{m.name}?period={per}")]


def _compared(m: MetricDef, v: MetricValue, tile: dict[str, Any],
              kind: Comparison) -> Compared:
    fmt = tile["formatted"]
    if kind == "previous":
        return Compared(kind=kind, label=label_of(v.previous_period), period=v.previous_period,
                        value=_num(v.previous), formatted=fmt["previous"],
                        change=fmt["change_previous"])
    if kind == "last_year":
        return Compared(kind=kind, label=label_of(v.last_year_period),
                        period=v.last_year_period, value=_num(v.last_year),
                        formatted=fmt["last_year"], change=fmt["change_last_year"])
    against = v.pace_target if v.pace_target is not None else v.target
    label = "target to date" if v.pace_target is not None else "target"
    return Compared(kind=kind, label=label, period=v.period, value=against,
                    formatted=format_value(against, m.unit, m.decimals),
                    change=format_change(v.value, against, unit=m.unit))


def _slice_label(p: Project, tag: str, value: str | None) -> str:
    if value is None:
        return f"no {TAG_WORDS[tag]}"
    if tag == "owner_id" and value in p.catalog.people:
        return p.catalog.people[value].name
    if tag == "client_id":
        return vocabulary_of(p).client_names.get(value, value)
    return value.replace("_", " ") if tag in ("department", "team") else value


def _slices(p: Project, m: MetricDef, per: Period, by: str, filters: dict[str, str],
            plan: Plan) -> list[SliceRow]:
    rows = [_row(p, m, by, x) for x in p.metrics.compute([m.name], [per], by=by,
                                                         filters=filters)]
    if plan.rank is not None:
        known = [r for r in rows if r.value is not None]
        known.sort(key=lambda r: r.value or 0.0, reverse=plan.rank == "highest")
        rows = known + [r for r in rows if r.value is None]
        if plan.limit is not None:
            rows = rows[:plan.limit]
    return rows


def _row(p: Project, m: MetricDef, tag: str, x: MetricValue) -> SliceRow:
    s = x.slice.get(tag)
    return SliceRow(tag=tag, slice=s, label=_slice_label(p, tag, s), value=_num(x.value),
                    formatted=format_value(x.value, m.unit, m.decimals),
                    previous=_num(x.previous), change=format_change(x.value, x.previous,
                                                                     unit=m.unit))


def _why(p: Project, m: MetricDef, v: MetricValue, per: Period,
         filters: dict[str, str]) -> Why:
    from northstar.web import views

    movers: list[tuple[float, SliceRow]] = []
    for tag in m.dimensions:
        if tag in filters:
            continue
        for x in p.metrics.compute([m.name], [per], by=tag, filters=filters):
            if x.value is None and x.previous is None:
                continue
            moved = float(x.value or 0) - float(x.previous or 0)
            if moved:
                row = _row(p, m, tag, x)
                row.change = format_delta(moved, m.unit, m.decimals)
                movers.append((abs(moved), row))
    movers.sort(key=lambda t: t[0], reverse=True)
    parts = []
    for ref in m.referenced_metrics():
        r = p.catalog.get(ref)
        x = p.metrics.compute([ref], [per], filters=filters)[0]
        parts.append(Part(metric=ref, title=r.title, value=_num(x.value),
                          formatted=format_value(x.value, r.unit, r.decimals),
                          previous=_num(x.previous),
                          change=format_change(x.value, x.previous, unit=r.unit)))
    corrections = []
    found = views.corrections_for(p, m.name, str(per))
    for a in found["adjustments"]:
        delta = None if a["delta"] is None else float(a["delta"])
        corrections.append(f"A correction of {format_delta(delta, m.unit, m.decimals)} by "
                           f"{a['author']}: {a['reason']}")
    for entry in found["manual_values"][:1]:
        if entry["action"] == "set":
            corrections.append(f"Entered by hand by {entry['author']}"
                               + (f": {entry['note']}" if entry["note"] else ""))
    for a in found["record_corrections"]:
        corrections.append(f"{a['target_table']} record {a['record_id']}: {a['field']} "
                           f"corrected by {a['author']} ({a['reason']})")
    findings = views.findings_for(p, v) if not filters else []
    return Why(movers=[row for _, row in movers[:3]], parts=parts, corrections=corrections,
               findings=findings)


def _text(p: Project, m: MetricDef, item: Item, plan: Plan) -> str:
    """The answer in a sentence or three, as a person would say it."""
    when = item.period_label + (" so far" if item.open else "")
    where = ""
    if plan.slice.filters:
        where = " for " + ", ".join(_slice_label(p, t, x) for t, x in plan.slice.filters.items())
    whole = ""
    if plan.person is not None:
        whole = (f"{m.title} cannot be split by person, so this is the company's figure, the "
                 f"one {_slice_label(p, 'owner_id', plan.person)} owns. ")
    if item.series:
        first, latest = item.series[0], item.series[-1]
        return (f"{whole}{m.title}{where}, the last {len(item.series)} {periods_word(item)}: "
                f"{first.formatted} in {first.label}, {latest.formatted} in {latest.label}"
                f"{' so far' if latest.open else ''}.")
    out = f"{whole}{m.title}{where}, {when}: {item.formatted}."
    if item.slices and plan.slice.by is not None:
        word = TAG_WORDS[plan.slice.by]
        listed = ", ".join(f"{r.label} {r.formatted}" for r in item.slices[:5])
        if plan.rank is not None and item.slices[0].value is not None:
            top = item.slices[0]
            out += f" The {plan.rank} by {word}: {top.label} at {top.formatted}."
            if len(item.slices) > 1:
                out += f" Then: {', '.join(f'{r.label} {r.formatted}' for r in item.slices[1:4])}."
        else:
            out += f" By {word}: {listed}."
    elif plan.slice.by is not None:
        out += f" By {TAG_WORDS[plan.slice.by]}: no rows with a value for {when}."
    if item.status and item.target is not None and plan.comparison != "target":
        out += f" Target {item.target_formatted}: {item.status}."
    if item.compared is not None:
        c = item.compared
        out += f" Against {c.label}: {c.formatted} ({c.change})."
    if item.why is not None:
        w = item.why
        if w.movers:
            out += " Moved most: " + ", ".join(
                f"{r.label} ({TAG_WORDS[r.tag]}) {r.change}" for r in w.movers) + "."
        if w.parts:
            out += " Its parts: " + ", ".join(
                f"{x.title} {x.formatted} ({x.change})" for x in w.parts) + "."
        if not w.movers and not w.parts:
            out += f" {m.title} cannot be broken down: it has no slices or parts."
        out += "".join(f" {c}." for c in w.corrections)
        out += "".join(f" {f}" for f in w.findings)
    return out


def periods_word(item: Item) -> str:
    p = item.series[-1].period
    if "-W" in p:
        return "weeks"
    if "-Q" in p:
        return "quarters"
    return "months" if "-" in p else "years"
