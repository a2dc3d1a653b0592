"""GoHighLevel: every opt-in is a contact; some book a triage call with a setter (an
opportunity opens at the booking), those who show and qualify book a strategy session with a
closer, and a quarter of the sessions held close. Appointments end showed, no-show or cancelled
(or are still confirmed, ahead of `end`); opportunities end won, lost or still open. The closers'
own tracker sheet types in each won deal too, now and then with another value."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import HOUR_US, MINUTE_US, Calendar
from northstar.packs.agency.sample.marketing import Source
from northstar.packs.sample_arrays import DAY_US, batches, const, money, stream

__all__ = ["CALENDARS", "CLOSERS", "SETTERS", "STAGES", "Deal", "Pipeline", "simulate"]

SETTERS = ("maya_chen", "luis_ortega", "nia_brooks")
CLOSERS = ("derek_holt", "sofia_ramirez", "owen_park")
"""The reps, as people.yml names them (`owner_id`); GoHighLevel knows them by user id."""
GHL_USER = {p: f"ghlU{i:04d}{p[:3]}" for i, p in enumerate(SETTERS + CLOSERS)}
PIPELINE_ID, PIPELINE = "pl_coaching_sales", "Coaching Sales"
STAGES = (("stg_opted_in", "Opted In"), ("stg_triage_booked", "Triage Booked"),
          ("stg_triage_held", "Triage Held"), ("stg_strategy_booked", "Strategy Session Booked"),
          ("stg_strategy_held", "Strategy Session Held"), ("stg_contract", "Contract Sent"))
CALENDARS = {"triage": "cal_triage_calls", "strategy": "cal_strategy_sessions"}
SHOW, NO_SHOW = 0.72, 0.2
"""Triage calls: showed, no-show (the rest cancel)."""
QUALIFY = 0.45
"""Triage calls held that book a strategy session."""
STRATEGY_SHOW, STRATEGY_NO_SHOW = 0.8, 0.15
CLOSE = 0.2
"""Strategy sessions held that close."""
FIRST = ("Ava", "Liam", "Noah", "Emma", "Mia", "Ethan", "Zoe", "Caleb", "Ruby", "Isaac", "Lena",
         "Jonah", "Priya", "Mateo", "Grace", "Omar", "Hazel", "Felix", "Iris", "Dante")
LAST = ("Reyes", "Walsh", "Kim", "Novak", "Bishop", "Adeyemi", "Larsen", "Ortiz", "Hughes",
        "Moreau", "Patel", "Sato", "Quinn", "Baptiste", "Fischer", "Mendez", "Doyle", "Okafor")


@dataclass(frozen=True)
class Deal:
    """A won opportunity: a new client."""

    opportunity_id: str
    contact_id: str
    won_us: int
    closer: str
    source: Source
    value_cents: int


@dataclass
class Pipeline:
    contacts: dict[str, list[object]] = field(default_factory=dict)
    opportunities: dict[str, list[object]] = field(default_factory=dict)
    appointments: dict[str, list[object]] = field(default_factory=dict)
    deals: list[Deal] = field(default_factory=list)
    booked: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))
    """Triage calls booked, by local day of booking and source (what GA4 sees)."""


def _add(cols: dict[str, list[object]], **values: object) -> None:
    for k, v in values.items():
        cols.setdefault(k, []).append(v)


def simulate(seed: int, cal: Calendar, sources: tuple[Source, ...], opt_ins: np.ndarray
             ) -> Pipeline:
    rng = stream(seed, 2, 1)
    p = Pipeline(booked=np.zeros_like(opt_ins))
    end = cal.end_us
    contact_no = opp_no = appt_no = 0
    for i, day in enumerate(cal.days.tolist()):
        for j, s in enumerate(sources):
            for _ in range(int(opt_ins[i, j])):
                contact_no += 1
                cid = f"ct{contact_no:07d}"
                added = cal.at(day, float(rng.uniform(6.5, 23.5)))
                setter = SETTERS[int(rng.integers(len(SETTERS)))]
                first, last = FIRST[int(rng.integers(len(FIRST)))], LAST[int(rng.integers(
                    len(LAST)))]
                tags = dict(source_funnel=s.funnel, utm_source=s.utm_source,
                            utm_medium=s.utm_medium, utm_campaign=s.utm_campaign)
                _add(p.contacts, id=cid, first_name=first, last_name=last,
                     email=f"{first}.{last}{contact_no}@example.com".lower(),
                     phone=f"+1303555{contact_no % 10_000:04d}", type="lead", source=s.funnel,
                     date_added=added, updated_at=added, session_source=(
                         "Paid Social" if s.utm_medium == "paid_social" else
                         "Organic Search" if s.platform == "organic" else "Paid Search"),
                     attribution_campaign=s.utm_campaign, assigned_to=GHL_USER[setter],
                     owner_id=setter, department="marketing", **tags)
                if rng.random() >= s.book_rate:
                    continue
                booked_at = added + int(rng.exponential(6 * HOUR_US))
                if booked_at > end:
                    continue
                bday = cal.local_day(booked_at)
                if bday <= cal.last_day:
                    p.booked[bday - cal.first_day, j] += 1
                opp_no += 1
                oid = f"op{opp_no:06d}"
                value = int(rng.choice([12_000, 15_000, 18_000, 24_000, 30_000])) * 100
                stage, status, changed, owner = "stg_triage_booked", "open", booked_at, setter
                # the triage call, one to five days on, in the setter's working hours
                t_day = cal.local_day(booked_at) + 1 + int(rng.integers(5))
                t_start = cal.at(t_day, float(rng.integers(16, 34)) / 2)
                appt_no += 1
                outcome = _outcome(rng, t_start, end, SHOW, NO_SHOW)
                _add(p.appointments, id=f"ap{appt_no:07d}", calendar_id=CALENDARS["triage"],
                     contact_id=cid, title=f"Triage call: {first} {last}", status=outcome,
                     assigned_user_id=GHL_USER[setter], start_time=t_start,
                     end_time=t_start + 30 * MINUTE_US, created_at=booked_at,
                     updated_at=min(end, t_start + 30 * MINUTE_US) if outcome != "confirmed"
                     else booked_at, owner_id=setter, department="sales", team="setters",
                     **tags)
                t_end = t_start + 30 * MINUTE_US
                if outcome == "showed":
                    stage, changed = "stg_triage_held", t_end
                    if rng.random() < QUALIFY:
                        closer = CLOSERS[int(rng.integers(len(CLOSERS)))]
                        s_day = cal.local_day(t_end) + 1 + int(rng.integers(4))
                        s_start = cal.at(s_day, float(rng.integers(18, 36)) / 2)
                        appt_no += 1
                        s_out = _outcome(rng, s_start, end, STRATEGY_SHOW, STRATEGY_NO_SHOW)
                        _add(p.appointments, id=f"ap{appt_no:07d}",
                             calendar_id=CALENDARS["strategy"], contact_id=cid,
                             title=f"Strategy session: {first} {last}", status=s_out,
                             assigned_user_id=GHL_USER[closer], start_time=s_start,
                             end_time=s_start + 60 * MINUTE_US, created_at=t_end,
                             updated_at=min(end, s_start + 60 * MINUTE_US)
                             if s_out != "confirmed" else t_end,
                             owner_id=closer, department="sales", team="closers", **tags)
                        stage, changed, owner = "stg_strategy_booked", t_end, closer
                        s_end = s_start + 60 * MINUTE_US
                        if s_out == "showed":
                            stage, changed = "stg_strategy_held", s_end
                            decided = s_end + int(rng.exponential(1.5 * DAY_US))
                            if decided <= end:
                                won = rng.random() < CLOSE
                                stage = "stg_contract" if won else stage
                                status, changed = ("won" if won else "lost"), decided
                                if won:
                                    p.deals.append(Deal(oid, cid, decided, closer, s, value))
                        elif s_out in ("noshow", "cancelled") and s_end + DAY_US <= end:
                            status, changed = "lost", s_end + DAY_US
                    elif t_end + DAY_US <= end:
                        status, changed = "lost", t_end + DAY_US
                elif outcome in ("noshow", "cancelled") and t_end + 2 * DAY_US <= end:
                    status, changed = "abandoned", t_end + 2 * DAY_US
                _add(p.opportunities, id=oid, name=f"{first} {last} - Coaching",
                     monetary_value=value, pipeline_id=PIPELINE_ID, stage_id=stage,
                     status=status, source=s.funnel, contact_id=cid,
                     assigned_to=GHL_USER[owner], last_status_change_at=changed,
                     created_at=booked_at, updated_at=changed, owner_id=owner,
                     department="sales", team="closers" if owner in CLOSERS else "setters",
                     **tags)
    return p


def _outcome(rng: np.random.Generator, start: int, end: int, show: float, no_show: float
             ) -> str:
    """What became of an appointment: still ahead, or showed, no-show or cancelled."""
    draw = rng.random()
    if start + HOUR_US > end:
        return "cancelled" if draw > show + no_show else "confirmed"
    return "showed" if draw < show else "noshow" if draw < show + no_show else "cancelled"


_CONTACT_COLUMNS = (
    "id", "first_name", "last_name", "email", "phone", "type", "source", "tags", "assigned_to",
    "date_added", "updated_at", "session_source", "attribution_medium", "attribution_campaign",
    "utm_content", "utm_term", "landing_url", "referrer", "gclid", "fbclid",
    "last_session_source", "last_utm_source", "last_utm_medium", "last_utm_campaign",
    "removed_at", "owner_id", "utm_source", "utm_medium", "utm_campaign")
_OPP_COLUMNS = ("id", "name", "monetary_value", "pipeline_id", "stage_id", "status", "source",
                "contact_id", "assigned_to", "last_status_change_at", "created_at",
                "updated_at", "removed_at", "owner_id")
_APPT_COLUMNS = ("id", "calendar_id", "contact_id", "title", "status", "assigned_user_id",
                 "start_time", "end_time", "created_at", "updated_at", "removed_at",
                 "owner_id")
_TS = {"date_added", "updated_at", "removed_at", "last_status_change_at", "created_at",
       "start_time", "end_time"}
_EXTRA_TAGS = ("department", "team", "source_funnel", "utm_source", "utm_medium",
               "utm_campaign")


def _arrow(cols: dict[str, list[object]], names: tuple[str, ...]) -> pa.Table:
    n = len(cols["id"])
    out: dict[str, pa.Array] = {}
    for name in (*names, *(t for t in _EXTRA_TAGS if t not in names)):
        values = cols.get(name)
        if values is None:
            out[name] = pa.nulls(n, pa.timestamp("us") if name in _TS else pa.string())
        elif name in _TS:
            out[name] = pa.array(values, pa.int64()).cast(pa.timestamp("us"))
        elif name == "monetary_value":
            out[name] = money(np.array(values, dtype=np.int64))
        else:
            out[name] = pa.array(values, pa.string())
    return pa.table(out)


def pipeline_tables(seed: int, p: Pipeline) -> Iterator[SampleTable]:
    n = len(STAGES)
    yield from batches("ghl_stages", "gohighlevel", "id", pa.table({
        "id": pa.array([s for s, _ in STAGES], pa.string()),
        "pipeline_id": const(PIPELINE_ID, n), "pipeline_name": const(PIPELINE, n),
        "name": pa.array([name for _, name in STAGES], pa.string()),
        "position": pa.array(list(range(n)), pa.int64()), "department": const("sales", n)}))
    p.contacts["attribution_medium"] = p.contacts["utm_medium"]
    yield from batches("ghl_contacts", "gohighlevel", "id", _arrow(p.contacts, _CONTACT_COLUMNS))
    yield from batches("ghl_opportunities", "gohighlevel", "id",
                       _arrow(p.opportunities, _OPP_COLUMNS))
    yield from batches("ghl_appointments", "gohighlevel", "id",
                       _arrow(p.appointments, _APPT_COLUMNS))
    yield from tracker_table(seed, p)


def tracker_table(seed: int, p: Pipeline) -> Iterator[SampleTable]:
    """The closers' tracker: each won deal typed in by its closer, the same opportunity id.
    About one in twenty is typed with another value (a discount remembered, a round number),
    and now and then a deal GoHighLevel has lost is typed in as won (a verbal yes)."""
    rng = stream(seed, 2, 2)
    o = p.opportunities
    cols: dict[str, list[object]] = {}
    for k in range(len(o["id"])):
        status = o["status"][k]
        typed_won = status == "won" or (status == "lost" and o["stage_id"][k] ==
                                        "stg_strategy_held" and rng.random() < 0.03)
        if not typed_won:
            continue
        value = int(o["monetary_value"][k])  # type: ignore[call-overload]
        if rng.random() < 0.05:
            value = int(round(value * float(rng.choice([0.8, 0.9, 1.1])), -5))
        for name in _OPP_COLUMNS:
            cols.setdefault(name, []).append(o[name][k] if name in o else None)
        cols["monetary_value"][-1] = value
        cols["status"][-1] = "won"
        for name in ("pipeline_id", "stage_id", "source", "assigned_to", "created_at",
                     "updated_at", "removed_at"):
            cols[name][-1] = None
        for tag in _EXTRA_TAGS:
            cols.setdefault(tag, []).append(o[tag][k])
    if cols:
        yield from batches("ghl_opportunities", "close_tracker", "id",
                           _arrow(cols, _OPP_COLUMNS))
