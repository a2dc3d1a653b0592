"""The whole sample agency: its calendar, the campaigns and their opt-ins, the pipeline they
feed, the clients it wins, what Stripe collects from them, and the order the tables come in."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import Calendar
from northstar.packs.agency.sample.clients import client_table, plan_clients
from northstar.packs.agency.sample.marketing import ads_tables, ga4_table, plan_opt_ins, sources_for
from northstar.packs.agency.sample.operations import automation_table, finance_table
from northstar.packs.agency.sample.payments import collect, payment_tables
from northstar.packs.agency.sample.pipeline import pipeline_tables, simulate

__all__ = ["DEFAULT_ROWS", "Company"]

DEFAULT_ROWS = 75_000


class Company:
    def __init__(self, rows: int, seed: int, end: date) -> None:
        self.seed = seed
        self.scale = rows / DEFAULT_ROWS
        self.calendar = Calendar(end)
        self.sources = sources_for(self.scale)
        self.expected, self.opt_ins = plan_opt_ins(seed, self.calendar, self.sources, self.scale)
        self.pipeline = simulate(seed, self.calendar, self.sources, self.opt_ins)
        self.clients = plan_clients(seed, self.calendar, self.pipeline.deals, self.sources,
                                    self.scale)
        self.payments = collect(seed, self.calendar, self.clients)

    def tables(self) -> Iterator[SampleTable]:
        cal, seed = self.calendar, self.seed
        yield from ads_tables(seed, cal, self.sources, self.expected, self.opt_ins)
        yield from ga4_table(seed, cal, self.sources, self.opt_ins, self.pipeline.booked)
        yield from pipeline_tables(seed, self.pipeline)
        yield from client_table(cal, self.clients)
        yield from payment_tables(seed, self.payments)
        yield from automation_table(seed, cal, self.opt_ins, self.scale)
        yield from finance_table(seed, cal, self.payments.net_by_month)
