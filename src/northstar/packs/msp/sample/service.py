"""The service desk: tickets on the three boards and the time entered against them.

Reactive (Help Desk) tickets come in proportion to each client's endpoints, with the season,
a slow improvement over the years and the bad month (July of the first year: a faulty patch
roll-out). A few have a child ticket (split-off work, on the same board). Alerts are opened by
the RMM at any hour and closed within minutes; Projects tickets take days. Technicians also
enter time against project tickets and charge codes (training, admin), which is not service
time. Tickets are numbered in the order they were entered, time entries in the order they
were saved."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.msp.sample.calendar import HOUR_US, MINUTE_US, Calendar
from northstar.packs.msp.sample.clients import Clients
from northstar.packs.msp.sample.psa import OWN_COMPANY
from northstar.packs.sample_arrays import (
    DAY_US,
    Floats,
    Ints,
    batches,
    choice,
    money,
    pick,
    stream,
    timestamps,
)

__all__ = ["BAD_MONTH", "TECHNICIANS", "service_tables"]

TECHNICIANS = ("akowalski", "bnguyen", "cramirez", "dobrien", "epatel", "fjohnson", "gmuller",
               "hkim", "iokafor", "jrossi", "kbrennan", "lchen", "mdiaz", "nsingh", "oharris",
               "pwalsh")


def technician_names(n: int) -> list[str]:
    """Member ids of `n` technicians: the sixteen above, then tech017, tech018 and so on for a
    company large enough to need more."""
    return [*TECHNICIANS[:n], *(f"tech{i:03d}" for i in range(len(TECHNICIANS) + 1, n + 1))]


BAD_MONTH = 6
"""July of the first year."""
SEASON = np.array([1.10, 1.00, 1.02, 0.98, 0.97, 0.93, 0.92, 0.97, 1.05, 1.03, 0.98, 0.88])
REACTIVE_RATE = (0.58, 0.46)
"""Reactive tickets per endpoint a month, at the start and at the end of the history."""
ALERT_RATE, PROJECT_RATE = 0.15, 0.012
SUMMARIES = ("Outlook not syncing", "Printer offline", "Password reset", "VPN will not connect",
             "Slow computer", "New user setup", "Teams audio problem", "Shared drive missing",
             "MFA prompt loop", "Wi-Fi drops", "Software install request", "Phishing email",
             "Monitor not detected", "Windows update failed", "Scanner to email broken")
PRIORITIES = ("Priority 1 - Critical", "Priority 2 - High", "Priority 3 - Normal",
              "Priority 4 - Low")
BOARD_NAMES = ("Help Desk", "Projects", "Alerts")


@dataclass
class _Tickets:
    entered: list[Ints] = field(default_factory=list)
    closed: list[Ints] = field(default_factory=list)
    board: list[Ints] = field(default_factory=list)
    client: list[Ints] = field(default_factory=list)
    parent: list[Ints] = field(default_factory=list)
    """Index of the parent ticket in this list, -1 for none."""
    reopened: list[np.ndarray] = field(default_factory=list)
    owner: list[Ints] = field(default_factory=list)
    count: int = 0

    def add(self, entered: Ints, closed: Ints, board: int, client: Ints, owner: Ints,
            parent: Ints | None = None, reopened: np.ndarray | None = None) -> Ints:
        n = len(entered)
        self.entered.append(entered)
        self.closed.append(closed)
        self.board.append(np.full(n, board, dtype=np.int64))
        self.client.append(client)
        self.owner.append(owner)
        self.parent.append(np.full(n, -1, dtype=np.int64) if parent is None else parent)
        self.reopened.append(np.zeros(n, dtype=bool) if reopened is None else reopened)
        index = np.arange(self.count, self.count + n, dtype=np.int64)
        self.count += n
        return index


@dataclass
class _Time:
    ticket: list[Ints] = field(default_factory=list)
    """Ticket index, or -1 - k for charge code k, or -100 - p for project ticket p."""
    end: list[Ints] = field(default_factory=list)
    quarters: list[Ints] = field(default_factory=list)
    """Hours in quarter hours."""
    member: list[Ints] = field(default_factory=list)
    client: list[Ints] = field(default_factory=list)
    """Client index, -1 for Lakeside IT itself."""

    def add(self, ticket: Ints, end: Ints, quarters: Ints, member: Ints, client: Ints) -> None:
        self.ticket.append(ticket)
        self.end.append(end)
        self.quarters.append(quarters)
        self.member.append(member)
        self.client.append(client)


def _moments(rng: np.random.Generator, cal: Calendar, m: int, n: int, office: bool) -> Ints:
    """`n` UTC moments in month `m`: office hours on weekdays (weekends a fifth as busy) or,
    for the RMM's alerts, any hour."""
    days = np.arange(cal.start_day[m], cal.next_day[m], dtype=np.int64)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; 0 = Monday
    weight = np.where(weekday >= 5, 0.2 if office else 1.0, 1.0)
    day = days[choice(rng, len(days), n, weight)]
    if office:
        local = day * DAY_US + rng.integers(7 * HOUR_US, 18 * HOUR_US + 30 * MINUTE_US, n)
    else:
        local = day * DAY_US + rng.integers(0, DAY_US, n)
    return cal.utc(local)


def _close_delay(rng: np.random.Generator, n: int, slow: float) -> Ints:
    kind = rng.random(n)
    hours = np.where(kind < 0.9, rng.exponential(14.0 * slow, n),
                     np.where(kind < 0.99, rng.exponential(140.0 * slow, n),
                              rng.uniform(360, 1_100, n)))
    out: Ints = (np.maximum(hours, 0.1) * HOUR_US).astype(np.int64)
    return out


def plan_service(seed: int, cal: Calendar, clients: Clients, endpoints: np.ndarray,
                 technicians: Ints) -> tuple[_Tickets, _Time]:
    rng = stream(seed, 5, 1)
    tickets, time = _Tickets(), _Time()
    trend = np.linspace(REACTIVE_RATE[0], REACTIVE_RATE[1], cal.n)
    season = SEASON[cal.season()]
    for m in range(cal.n):
        bad = m == BAD_MONTH
        techs = max(1, int(technicians[m]))
        e = endpoints[:, m].astype(np.float64)
        # reactive parents
        lam: Floats = e * clients.ticket_rate * trend[m] * season[m] * (2.5 if bad else 1.0)
        client = np.repeat(np.arange(clients.n), rng.poisson(lam))
        n = len(client)
        entered = _moments(rng, cal, m, n, office=True)
        closed = entered + _close_delay(rng, n, 1.5 if bad else 1.0)
        owner = rng.integers(0, techs, n)
        reopened = rng.random(n) < 0.005
        idx = tickets.add(entered, closed, 0, client, owner, reopened=reopened)
        k = choice(rng, 3, n, np.array([0.7, 0.22, 0.08])) + 1
        t = np.repeat(idx, k)
        first = np.r_[True, t[1:] != t[:-1]] if len(t) else np.zeros(0, dtype=bool)
        delay = np.repeat(closed - entered, k)
        end = np.repeat(entered, k) + np.where(
            first, rng.integers(10 * MINUTE_US, 4 * HOUR_US, len(t)),
            (rng.random(len(t)) * np.maximum(delay, HOUR_US)).astype(np.int64))
        quarters = 1 + rng.poisson(1.9 if bad else 0.9, len(t))
        member = np.where(rng.random(len(t)) < 0.8, np.repeat(owner, k),
                          rng.integers(0, techs, len(t)))
        time.add(t, end, quarters, member, np.repeat(client, k))
        # child tickets: split-off work on 4% of them
        kids = np.flatnonzero(rng.random(n) < 0.04)
        c_entered = entered[kids] + rng.integers(10 * MINUTE_US, 2 * HOUR_US, len(kids))
        c_idx = tickets.add(c_entered, np.maximum(closed[kids], c_entered + HOUR_US), 0,
                            client[kids], owner[kids], parent=idx[kids])
        time.add(c_idx, c_entered + rng.integers(20 * MINUTE_US, 3 * HOUR_US, len(kids)),
                 rng.integers(1, 5, len(kids)), owner[kids], client[kids])
        # alerts from the RMM
        client = np.repeat(np.arange(clients.n), rng.poisson(e * ALERT_RATE))
        entered = _moments(rng, cal, m, len(client), office=False)
        closed = entered + rng.integers(5 * MINUTE_US, 90 * MINUTE_US, len(client))
        owner = rng.integers(0, techs, len(client))
        a_idx = tickets.add(entered, closed, 2, client, owner)
        worked = np.flatnonzero(rng.random(len(client)) < 0.06)
        time.add(a_idx[worked], closed[worked], np.ones(len(worked), dtype=np.int64),
                 owner[worked], client[worked])
        # projects board
        client = np.repeat(np.arange(clients.n), rng.poisson(e * PROJECT_RATE))
        entered = _moments(rng, cal, m, len(client), office=True)
        closed = entered + rng.integers(2 * DAY_US, 20 * DAY_US, len(client))
        owner = rng.integers(0, techs, len(client))
        p_idx = tickets.add(entered, closed, 1, client, owner)
        k = rng.integers(2, 5, len(client))
        t = np.repeat(p_idx, k)
        span = np.repeat(closed - entered, k)
        time.add(t, np.repeat(entered, k) + (rng.random(len(t)) * span).astype(np.int64),
                 rng.integers(4, 17, len(t)), np.repeat(owner, k), np.repeat(client, k))
        # project-ticket and charge-code time: not service time
        n = rng.poisson(e.sum() * 0.03)
        time.add(-100 - rng.integers(0, 60, n), _moments(rng, cal, m, n, office=True),
                 rng.integers(4, 25, n), rng.integers(0, techs, n), rng.integers(0, clients.n, n))
        n = techs * 4
        time.add(-1 - rng.integers(0, 2, n), _moments(rng, cal, m, n, office=True),
                 rng.integers(2, 9, n), np.repeat(np.arange(techs), 4), np.full(n, -1))
    return tickets, time


def service_tables(seed: int, cal: Calendar, clients: Clients, endpoints: np.ndarray,
                   technicians: Ints) -> Iterator[SampleTable]:
    tickets, time = plan_service(seed, cal, clients, endpoints, technicians)
    rng = stream(seed, 5, 2)
    entered = np.concatenate(tickets.entered)
    keep = entered <= cal.end_us  # the current month stops at the sample's end
    closed = np.concatenate(tickets.closed)
    order = np.argsort(entered, kind="stable")
    number = np.empty(len(entered), dtype=np.int64)
    number[order] = 240_001 + np.arange(len(entered))
    parent = np.concatenate(tickets.parent)
    board = np.concatenate(tickets.board)
    client = np.concatenate(tickets.client)
    owner = np.concatenate(tickets.owner)
    reopened = np.concatenate(tickets.reopened)
    is_closed = closed <= cal.end_us
    flag = is_closed & ~reopened
    # time entries: those saved by the sample's end, numbered in the order they were saved
    t_ticket = np.concatenate(time.ticket)
    t_end = np.concatenate(time.end)
    t_q = np.concatenate(time.quarters)
    t_keep = (t_end <= cal.end_us) & ((t_ticket < 0) | keep[np.maximum(t_ticket, 0)])
    on_ticket = t_ticket >= 0
    hours = np.bincount(t_ticket[on_ticket & t_keep], weights=t_q[on_ticket & t_keep],
                        minlength=len(entered)) * 25
    sel = np.flatnonzero(keep)[np.argsort(number[keep], kind="stable")]
    status = np.where(flag, 0, np.where(reopened & is_closed, 1, 2 + (rng.random(len(entered))
                                                                      < 0.5)))
    summary = rng.integers(0, len(SUMMARIES), len(entered))
    summary_text = np.where(board == 2, len(SUMMARIES), np.where(board == 1, len(SUMMARIES) + 1,
                                                                 summary))
    prio = choice(rng, 4, len(entered), np.array([0.02, 0.13, 0.7, 0.15]))
    ids = pa.array([str(x) for x in number.tolist()], pa.string())
    company = pick(clients.ids, client)
    has_parent = parent >= 0
    yield from batches("cw_tickets", "connectwise", "id", pa.table({
        "id": ids, "summary": pick([*SUMMARIES, "RMM alert: condition triggered",
                                    "Project task"], summary_text),
        "record_type": pick(("ServiceTicket",), np.zeros(len(entered), dtype=np.int64)),
        "board_id": pick(("1", "2", "3"), board), "board": pick(BOARD_NAMES, board),
        "status": pick(("Closed", "Re-opened", "New", "In Progress"), status),
        "company_id": company, "company": pick(clients.names, client),
        "priority": pick(PRIORITIES, prio),
        "owner": pick(technician_names(int(owner.max(initial=0)) + 1), owner),
        "parent_ticket_id": ids.take(pa.array(np.maximum(parent, 0), mask=~has_parent)),
        "date_entered": timestamps(entered),
        "closed_date": pa.array(np.where(is_closed, closed, 0), mask=~is_closed).view(
            pa.timestamp("us")),
        "closed_flag": pa.array(flag),
        "actual_hours": money(hours.astype(np.int64), 12),
        "updated_at": timestamps(np.where(is_closed, closed, entered)),
        "client_id": company}).take(pa.array(sel)))
    t_sel = np.flatnonzero(t_keep)
    t_sel = t_sel[np.argsort(t_end[t_sel], kind="stable")]
    yield from _time_table(rng, time, t_sel, number, clients)


def _time_table(rng: np.random.Generator, time: _Time, sel: Ints, number: Ints,
                clients: Clients) -> Iterator[SampleTable]:
    ticket = np.concatenate(time.ticket)[sel]
    end = np.concatenate(time.end)[sel]
    quarters = np.concatenate(time.quarters)[sel]
    member = np.concatenate(time.member)[sel]
    client = np.concatenate(time.client)[sel]
    n = len(sel)
    kind = np.where(ticket >= 0, 0, np.where(ticket <= -100, 1, 2))
    target = np.where(kind == 0, number[np.maximum(ticket, 0)],
                      np.where(kind == 1, 900_001 + (-100 - ticket), 25 + (-1 - ticket)))
    companies = pick([OWN_COMPANY[0], *clients.ids], client + 1)
    billable = np.where(kind == 2, 2, np.where((kind == 1) | (rng.random(n) < 0.1), 0, 1))
    work = np.where(kind == 2, 2, (rng.random(n) < 0.15).astype(np.int64))
    start = end - quarters * 15 * MINUTE_US
    yield from batches("cw_time_entries", "connectwise", "id", pa.table({
        "id": pa.array([str(x) for x in range(1_500_001, 1_500_001 + n)], pa.string()),
        "charge_to_type": pick(("ServiceTicket", "ProjectTicket", "ChargeCode"), kind),
        "charge_to_id": pa.array([str(x) for x in target.tolist()], pa.string()),
        "member": pick(technician_names(int(member.max(initial=0)) + 1), member),
        "company_id": companies,
        "time_start": timestamps(start), "time_end": timestamps(end),
        "actual_hours": money(quarters * 25, 12),
        "billable_option": pick(("Billable", "NoCharge", "DoNotBill"), billable),
        "work_type": pick(("Remote Support", "Onsite", "Admin"), work),
        "date_entered": timestamps(end), "updated_at": timestamps(end),
        "client_id": companies}))
