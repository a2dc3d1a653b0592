"""The whole sample MSP: its calendar, clients and devices, the staff they need, and the order
the tables come in. The devices decide the endpoints and seats every later table follows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import numpy as np

from northstar.packs import SampleTable
from northstar.packs.msp.sample.books import client_mrr, plan_staff, pnl_table
from northstar.packs.msp.sample.calendar import Calendar
from northstar.packs.msp.sample.clients import plan_clients
from northstar.packs.msp.sample.inputs import inputs_table
from northstar.packs.msp.sample.psa import agreements_tables, boards_table, companies_table
from northstar.packs.msp.sample.rmm import devices_table, draw_devices, organizations_table
from northstar.packs.msp.sample.service import service_tables

__all__ = ["Company"]


class Company:
    def __init__(self, rows: int, seed: int, end: date) -> None:
        self.seed = seed
        self.calendar = Calendar(end)
        self.clients = plan_clients(seed, self.calendar, rows)
        self.devices = draw_devices(seed, self.calendar, self.clients)
        self.endpoints = self._per_client(self.devices.endpoints(self.calendar))
        self.seats = self._per_client(self.devices.endpoints(self.calendar, seats=True))
        self.servers = self.endpoints - self.seats
        self.staff = plan_staff(self.calendar, self.endpoints)

    def _per_client(self, counts: np.ndarray) -> np.ndarray:
        out = np.zeros((self.clients.n, self.calendar.n), dtype=np.int64)
        out[: len(counts)] = counts
        return out

    def tables(self) -> Iterator[SampleTable]:
        cal, clients, seed = self.calendar, self.clients, self.seed
        yield from boards_table(cal)
        yield from companies_table(seed, cal, clients)
        yield from agreements_tables(seed, cal, clients, self.seats, self.servers)
        yield from organizations_table(clients)
        yield from devices_table(seed, cal, clients, self.devices)
        yield from service_tables(seed, cal, clients, self.endpoints, self.staff.technical)
        yield from pnl_table(seed, cal, clients, self.seats, self.servers, self.staff)
        yield from inputs_table(seed, cal, clients,
                                client_mrr(clients, self.seats, self.servers), self.staff)
