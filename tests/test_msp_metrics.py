"""The MSP pack's metrics on a company small enough to work out by hand, on both engines.

Fifteen tickets on four boards (a child ticket, an open one, one whose closed flag is off, one
on a board the reference list does not know), thirteen time entries (one charged to a project
ticket with a service ticket's id), fourteen devices of eight node classes (a removed one, an
unapproved one, one of a class nobody knows), a three-month P&L, monthly inputs, seven
agreements. Every expected figure below is worked out in the comments from the rows, never
from the SQL. The project's timezone is Chicago; a timestamp belongs to the month its UTC
instant falls in there (docs/msp.md): 03:00 UTC on 1 February is still January."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from northstar.checks import read_checks, run_checks
from northstar.metrics.catalog import load_catalog
from northstar.metrics.definition import sql_probe
from northstar.models.views import read_model_files, table_references
from northstar.packs import get_pack
from northstar.people import load_people
from northstar.project import Project
from northstar.secret import load_or_create_secret
from northstar.web.app import create_app
from northstar.web.auth import Auth
from northstar.web.settings import WebSettings
from northstar.web.store import ensure_tables

PACK = get_pack("msp")
D = Decimal
TS = pa.timestamp("us")
MONEY = pa.decimal128(18, 2)
HOURS = pa.decimal128(12, 2)


def ts(text: str) -> datetime:
    """A naive UTC timestamp, as the ledger stores them: '2025-02-01 03:00'."""
    return datetime.fromisoformat(text)


# -- the company -------------------------------------------------------------------------------
BOARDS = [("B1", "Help Desk"), ("B2", "Projects"), ("B3", "Alerts"), ("B4", "Service Desk")]

# (id, board, parent, company, entered, closed, closed_flag)
TICKETS = [
    ("T1", "Help Desk", None, "C1", "2025-01-10 09:00", "2025-01-12 10:00", True),
    ("T2", "Help Desk", None, "C1", "2025-01-20 09:00", "2025-02-03 10:00", True),
    # 1 February 03:00 UTC is 21:00 on 31 January in Chicago: a January ticket
    ("T3", "Help Desk", None, "C1", "2025-02-01 03:00", "2025-02-04 10:00", True),
    ("T4", "Help Desk", None, "C1", "2025-02-10 09:00", "2025-02-11 10:00", True),
    ("T5", "Help Desk", None, "C2", "2025-02-15 09:00", None, False),  # still open
    # a closed date but the closed flag off (re-opened): not closed
    ("T6", "Help Desk", None, "C1", "2025-02-20 09:00", "2025-02-21 10:00", False),
    ("T7", "Help Desk", "T4", "C1", "2025-02-10 09:30", "2025-02-11 10:00", True),  # child
    ("T8", "Projects", None, "C1", "2025-02-05 09:00", "2025-02-25 10:00", True),
    ("T9", "Alerts", None, "C1", "2025-02-07 09:00", "2025-02-07 09:05", True),
    ("T10", "Help Desk", None, "C1", "2025-03-05 09:00", "2025-03-06 10:00", True),
    ("T11", "Help Desk", None, "C1", "2025-03-10 09:00", "2025-04-02 10:00", True),
    ("T12", "Help Desk", None, "C1", "2024-12-28 09:00", "2025-01-03 10:00", True),
    ("T13", "Help Desk", None, "C2", "2025-03-20 09:00", "2025-03-21 10:00", True),
    ("T14", "Projects", None, "C1", "2025-02-10 09:00", "2025-02-09 10:00", True),  # closed first
    ("T15", "Service Desk", None, "C1", "2025-02-12 09:00", None, False),  # unknown board
]
# Reactive (Help Desk, parent) tickets created:  Jan T1 T2 T3 = 3;  Feb T4 T5 T6 = 3;
#   Mar T10 T11 T13 = 3;  Q1 = 9  (T7 is a child, T8 T9 T14 T15 are on other boards).
# Closed (flag on, by closed date):  Jan T1 T12 = 2;  Feb T2 T3 T4 = 3 (T6's flag is off, T7 is
#   a child);  Mar T10 T13 = 2 (T11 closes in April);  Q1 = 7.

# (id, charge_to_type, charge_to_id, hours, entered)
TIME = [
    ("E1", "ServiceTicket", "T1", "1.50", "2025-01-10 10:00"),
    ("E2", "ServiceTicket", "T2", "0.75", "2025-02-02 10:00"),  # a January ticket, in February
    ("E3", "ServiceTicket", "T3", "1.25", "2025-02-01 05:00"),  # 23:00 on 31 January local
    ("E4", "ServiceTicket", "T4", "0.50", "2025-02-10 10:00"),
    ("E5", "ServiceTicket", "T7", "2.00", "2025-02-10 11:00"),  # the child ticket
    ("E6", "ServiceTicket", "T8", "3.00", "2025-02-06 10:00"),  # Projects board
    ("E7", "ProjectTicket", "T4", "4.00", "2025-02-12 10:00"),  # a project ticket numbered T4
    ("E8", "ServiceTicket", "T5", "0.25", "2025-02-16 10:00"),  # the open ticket
    ("E9", "ServiceTicket", "T10", "1.00", "2025-03-05 10:00"),
    ("E10", "ChargeCode", "CC1", "2.00", "2025-02-20 10:00"),
    ("E11", "ServiceTicket", "T13", "0.50", "2025-03-20 10:00"),
    ("E12", "ServiceTicket", "T11", "2.50", "2025-03-11 10:00"),
    ("E13", "ServiceTicket", "T99", "1.00", "2025-02-14 10:00"),  # a ticket never collected
]
# Reactive hours (ServiceTicket on a reactive parent ticket, by entry date):
#   Jan E1 1.50 + E3 1.25 = 2.75;  Feb E2 0.75 + E4 0.50 + E8 0.25 = 1.50;
#   Mar E9 1.00 + E11 0.50 + E12 2.50 = 4.00;  Q1 = 8.25.
# Service hours (every ServiceTicket entry): Jan 2.75;  Feb 1.50 + E5 2 + E6 3 + E13 1 = 7.50;
#   Mar 4.00;  Q1 = 14.25  (E7 is project time, E10 a charge code).

# (id, node_class, approval, created, removed_at in the second load)
DEVICES = [
    ("D1", "WINDOWS_WORKSTATION", "APPROVED", "2024-06-01 00:00", None),
    ("D2", "WINDOWS_WORKSTATION", "APPROVED", "2024-06-01 00:00", None),
    ("D3", "MAC", "APPROVED", "2024-09-01 00:00", None),
    ("D4", "WINDOWS_SERVER", "APPROVED", "2024-06-01 00:00", None),
    ("D5", "VMWARE_VM_GUEST", "APPROVED", "2024-06-01 00:00", None),
    ("D6", "NMS_SWITCH", "APPROVED", "2024-06-01 00:00", None),
    ("D7", "WINDOWS_WORKSTATION", "PENDING", "2024-06-01 00:00", None),  # not approved
    ("D8", "WINDOWS_WORKSTATION", "APPROVED", "2024-06-01 00:00", "2025-02-15 10:00"),
    ("D9", "LINUX_WORKSTATION", "APPROVED", "2025-01-25 00:00", None),
    ("D10", "WINDOWS_WORKSTATION", "APPROVED", "2025-03-10 00:00", None),
    ("D11", "CLOUD_MONITOR_TARGET", "APPROVED", "2024-06-01 00:00", None),
    # removed exactly at local midnight on 1 March (06:00 UTC in Chicago): still managed at
    # February's end, gone at March's
    ("D12", "WINDOWS_SERVER", "APPROVED", "2024-06-01 00:00", "2025-03-01 06:00"),
    ("D13", "MAC", "APPROVED", "2025-03-20 00:00", None),
    ("D14", "ANDROID_PHONE", "APPROVED", "2024-06-01 00:00", None),  # a class nobody knows
]
# Endpoints (workstations, servers, VMs; approved; created before the end; not removed by it):
#   end of Jan: D1 D2 D3 D4 D5 D8 D9 D12 = 8;  end of Feb: D1 D2 D3 D4 D5 D9 D12 = 7 (D8 gone);
#   end of Mar = Q1: D1 D2 D3 D4 D5 D9 D10 D13 = 8 (D12 gone).
# Seats (workstations): Jan D1 D2 D3 D8 D9 = 5;  Feb D1 D2 D3 D9 = 4;
#   Mar = Q1: D1 D2 D3 D9 D10 D13 = 6.

PNL = {  # account -> amounts in January, February, March 2025
    "Managed Services": ("10000", "10500", "11000"),  # mrr
    "Cloud & Licensing": ("1500", "1600", "1700"),  # orr
    "Backup & Security Subscriptions": ("500", "500", "600"),  # orr
    "Project Services": ("2000", None, "4000"),  # nrr (no row in February)
    "Time & Materials": ("500", "800", "300"),  # nrr
    "Hardware & Software Sales": ("3000", "1000", "5000"),  # product_sales
    "Cost of Goods Sold:Agreement Tools & Licences": ("1000", "1050", "1100"),
    "Cost of Goods Sold:Hardware & Software": ("2400", "800", "4200"),
    "Payroll - Technical": ("5000", "5200", "5400"),
    "Payroll - Administrative & Sales": ("2000", "2000", "2100"),
    "Rent": ("1200", "1200", "1200"),
    "Insurance": ("300", None, "300"),
    "Marketing": (None, "400", None),
    "Professional Fees": (None, None, "900"),
    "Interest Income": ("50", None, None),  # in no category: counts nowhere
}
# Jan: mrr 10000, orr 2000, nrr 2500, products 3000: revenue 17500, service 14500.
#      technical 5000, admin 2000, cogs 1000 + 2400 = 3400, other 1500: expenses 11900.
#      net profit 5600.
# Feb: mrr 10500, orr 2100, nrr 800, products 1000: revenue 14400, service 13400.
#      technical 5200, admin 2000, cogs 1050 + 800 = 1850, other 1600: expenses 10650.
#      net profit 3750.
# Mar: mrr 11000, orr 2300, nrr 4300, products 5000: revenue 22600, service 17600.
#      technical 5400, admin 2100, cogs 1100 + 4200 = 5300, other 2400: expenses 15200.
#      net profit 7400.
# Q1:  mrr 31500, orr 6400, nrr 7600, products 9000: revenue 54500, service 45500.
#      technical 15600, admin 6100, cogs 3150 + 7400 = 10550, other 5500: expenses 37750.
#      net profit 16750 (= 5600 + 3750 + 7400).

INPUTS = {  # input -> January, February, March 2025 (None: not entered)
    "employees_total": ("10", "11", "12"),
    "employees_technical": ("5", "6", None),
    "telemarketing_dials": ("1000", "1200", "900"),
    "first_time_appointments": ("5", "0", "6"),
    "prospects_to_pbr": ("2", "1", "3"),
    "new_agreements": ("1", "0", "2"),
    "new_mrr": ("500", "800", "600"),
    "lost_mrr": ("100", "300", "0"),
}
# Levels: employees Feb 11 (technical 6); Q1 takes March's 12, and for technical (not entered
#   in March) February's 6, the last month of the quarter that has one.
# Flows, Q1: dials 3100, FTAs 11, PBR 6, new agreements 3, new MRR 1900, lost MRR 400.

# (id, start, end, cancelled, no_ending_date)
AGREEMENTS = [
    ("A1", "2024-01-01", None, False, True),
    ("A2", "2024-06-01", "2025-02-28", False, False),  # ends on February's last day
    ("A3", "2025-02-15", None, False, True),
    ("A4", "2024-01-01", None, True, True),  # cancelled
    ("A5", "2025-03-01", None, False, True),
    ("A6", "2024-01-01", "2025-02-27", False, False),  # ends a day before February's last
    ("A7", "2025-03-15", None, False, True),
]
# In force at the end of Jan: A1 A2 A6 = 3;  Feb: A1 A2 A3 = 3;  Mar = Q1: A1 A3 A5 A7 = 4.


def _d(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def _t(text: str | None) -> datetime | None:
    return None if text is None else ts(text)


def tables() -> dict[str, tuple[str, pa.Table]]:
    """Every raw table of the company as Arrow, with the contract's types."""
    updated = ts("2025-05-01 00:00")
    tickets = pa.table({
        "id": [t[0] for t in TICKETS], "summary": [f"ticket {t[0]}" for t in TICKETS],
        "record_type": ["ServiceTicket"] * len(TICKETS), "board_id": [
            next(b for b, name in BOARDS if name == t[1]) for t in TICKETS],
        "board": [t[1] for t in TICKETS],
        "status": ["Closed" if t[6] else "New" for t in TICKETS],
        "company_id": [t[3] for t in TICKETS], "company": [f"Company {t[3]}" for t in TICKETS],
        "priority": ["Priority 3"] * len(TICKETS), "owner": ["tech1"] * len(TICKETS),
        "parent_ticket_id": [t[2] for t in TICKETS],
        "date_entered": pa.array([ts(t[4]) for t in TICKETS], TS),
        "closed_date": pa.array([_t(t[5]) for t in TICKETS], TS),
        "closed_flag": [t[6] for t in TICKETS],
        "actual_hours": pa.array([D("0.50")] * len(TICKETS), HOURS),
        "updated_at": pa.array([updated] * len(TICKETS), TS),
        "client_id": [t[3] for t in TICKETS],
    })
    time = pa.table({
        "id": [e[0] for e in TIME], "charge_to_type": [e[1] for e in TIME],
        "charge_to_id": [e[2] for e in TIME], "member": ["tech1"] * len(TIME),
        "company_id": ["C1"] * len(TIME),
        "time_start": pa.array([ts(e[4]) for e in TIME], TS),
        "time_end": pa.array([ts(e[4]) for e in TIME], TS),
        "actual_hours": pa.array([D(e[3]) for e in TIME], HOURS),
        "billable_option": ["Billable"] * len(TIME), "work_type": ["Remote"] * len(TIME),
        "date_entered": pa.array([ts(e[4]) for e in TIME], TS),
        "updated_at": pa.array([updated] * len(TIME), TS), "client_id": ["C1"] * len(TIME),
    })
    boards = pa.table({
        "id": [b[0] for b in BOARDS], "name": [b[1] for b in BOARDS],
        "location": ["Main"] * 4, "department": ["Service"] * 4, "inactive": [False] * 4,
        "updated_at": pa.array([updated] * 4, TS)})
    companies = pa.table({
        "id": ["C1", "C2"], "identifier": ["Acme", "Bolt"], "name": ["Acme Co", "Bolt Inc"],
        "status": ["Active", "Active"], "type": ["Client", "Client"], "deleted": [False, False],
        "date_entered": pa.array([ts("2023-01-01 00:00")] * 2, TS),
        "updated_at": pa.array([updated] * 2, TS), "client_id": ["C1", "C2"]})
    agreements = pa.table({
        "id": [a[0] for a in AGREEMENTS], "name": [f"Managed {a[0]}" for a in AGREEMENTS],
        "type": ["Managed Services"] * len(AGREEMENTS), "company_id": ["C1"] * len(AGREEMENTS),
        "start_date": pa.array([_d(a[1]) for a in AGREEMENTS], pa.date32()),
        "end_date": pa.array([_d(a[2]) for a in AGREEMENTS], pa.date32()),
        "cancelled_flag": [a[3] for a in AGREEMENTS], "no_ending_date": [a[4] for a in AGREEMENTS],
        "bill_amount": pa.array([D("1000.00")] * len(AGREEMENTS), MONEY),
        "billing_cycle": ["Monthly"] * len(AGREEMENTS),
        "updated_at": pa.array([updated] * len(AGREEMENTS), TS),
        "client_id": ["C1"] * len(AGREEMENTS)})
    additions = pa.table({
        "id": ["X1", "X2"], "agreement_id": ["A1", "A1"], "product": ["SEAT", "SERVER"],
        "description": ["Seat", "Server"],
        "quantity": pa.array([D("10"), D("2")], pa.decimal128(18, 4)),
        "unit_price": pa.array([D("150.00"), D("300.00")], MONEY),
        "unit_cost": pa.array([D("20.00"), D("40.00")], MONEY),
        "effective_date": pa.array([date(2024, 1, 1)] * 2, pa.date32()),
        "cancelled_date": pa.array([None, None], pa.date32()),
        "bill_customer": ["Billable", "Billable"], "updated_at": pa.array([updated] * 2, TS)})
    organizations = pa.table({
        "id": ["O1"], "name": ["Acme Co"], "description": ["client"],
        "node_approval_mode": ["MANUAL"], "client_id": ["O1"]})
    pnl_rows = [(f"PL-2025-{m + 1:02d}-{account}", date(2025, m + 1, 1), account, D(amount))
                for account, amounts in PNL.items()
                for m, amount in enumerate(amounts) if amount is not None]
    pnl = pa.table({
        "id": [r[0] for r in pnl_rows], "month": pa.array([r[1] for r in pnl_rows], pa.date32()),
        "account_number": pa.array([None] * len(pnl_rows), pa.string()),
        "account": [r[2] for r in pnl_rows],
        "amount": pa.array([r[3] for r in pnl_rows], MONEY)})
    input_rows = [(f"2025-{m + 1:02d}:{name}", date(2025, m + 1, 1), name, D(v))
                  for name, values in INPUTS.items()
                  for m, v in enumerate(values) if v is not None]
    inputs = pa.table({
        "id": [r[0] for r in input_rows],
        "month": pa.array([r[1] for r in input_rows], pa.date32()),
        "input": [r[2] for r in input_rows],
        "value": pa.array([r[3] for r in input_rows], pa.decimal128(18, 2)),
        "entered_by": ["controller"] * len(input_rows), "notes": [None] * len(input_rows)})
    return {"cw_boards": ("connectwise", boards), "cw_tickets": ("connectwise", tickets),
            "cw_time_entries": ("connectwise", time), "cw_companies": ("connectwise", companies),
            "cw_agreements": ("connectwise", agreements),
            "cw_agreement_additions": ("connectwise", additions),
            "ninja_organizations": ("ninjaone", organizations),
            "profit_and_loss": ("quickbooks", pnl), "monthly_inputs": ("manual", inputs)}


def devices(run: str) -> pa.Table:
    """The RMM's device list: the first run sees every device as listed; the second run no
    longer lists D8 and D12, so they get a removal record (last fields, removed_at set)."""
    removed = [_t(d[4]) if run == "second" else None for d in DEVICES]
    return pa.table({
        "id": [d[0] for d in DEVICES], "organization_id": ["O1"] * len(DEVICES),
        "location_id": ["L1"] * len(DEVICES), "node_class": [d[1] for d in DEVICES],
        "node_role_id": ["R1"] * len(DEVICES), "approval_status": [d[2] for d in DEVICES],
        "offline": [False] * len(DEVICES), "display_name": [d[0] for d in DEVICES],
        "system_name": [d[0] for d in DEVICES], "dns_name": [d[0] for d in DEVICES],
        "created": pa.array([ts(d[3]) for d in DEVICES], TS),
        "last_contact": pa.array([ts("2025-05-01 00:00")] * len(DEVICES), TS),
        "removed_at": pa.array(removed, TS), "client_id": ["O1"] * len(DEVICES)})


@pytest.fixture
def msp(engine_url: str, tmp_path: Path) -> Iterator[Project]:
    project = Project.init(tmp_path / "msp", pack=PACK, engine_url=engine_url,
                           timezone="America/Chicago")
    for name, (source, data) in tables().items():
        project.append(name, data, source=source)
    project.append("ninja_devices", devices("first"), source="ninjaone")
    project.append("ninja_devices", devices("second"), source="ninjaone")
    project.metrics.now = datetime(2025, 6, 15, tzinfo=UTC)
    yield project
    project.close()


def values(project: Project, period: str) -> dict[str, float | None]:
    return {v.metric: None if v.value is None else float(v.value)
            for v in project.compute(None, [period])}


# -- the expected figures ----------------------------------------------------------------------
FEBRUARY: dict[str, float | None] = {
    "reactive_tickets_created": 3, "reactive_tickets_closed": 3,
    "reactive_hours": 1.50, "service_hours": 7.50,
    "endpoints_managed": 7, "seats_managed": 4,
    "mrr": 10500, "orr": 2100, "nonrecurring_revenue": 800, "product_sales": 1000,
    "total_revenue": 14400, "service_revenue": 13400,
    "technical_payroll": 5200, "non_technical_payroll": 2000, "cogs_agreements": 1050,
    "cogs_products": 800, "cogs": 1850, "other_expenses": 1600, "total_expenses": 10650,
    "net_profit": 3750,
    "employees_total": 11, "employees_technical": 6, "agreements": 3,
    "telemarketing_dials": 1200, "first_time_appointments": 0, "prospects_to_pbr": 1,
    "new_agreements": 0, "new_mrr": 800, "lost_mrr": 300,
    # SmartNumbers
    "reactive_tickets_per_endpoint": 3 / 1 / 7,
    "reactive_hours_per_endpoint": 1.50 / 1 / 7,
    "hours_per_ticket": 1.50 / 3,
    "close_ratio": 3 / 3,
    "endpoints_per_technician": 7 / 6,
    "recurring_revenue_share": (10500 + 2100) / 14400,
    "all_in_seat_price": (10500 + 2100) / 1 / 4,
    "service_revenue_per_employee": 13400 * 12 / 1 / 11,
    "service_revenue_per_technician": 13400 * 12 / 1 / 6,
    "technical_payroll_share": 5200 / 14400,
    "cogs_share": 1850 / 14400,
    "effective_hourly_rate": 10500 / 7.50,
    "net_profit_share": 3750 / 14400,
    "agreement_gross_margin": (12600 - 5200 - 1050) / 12600,
    "net_mrr_gain": 800 - 300,
    "mrr_churn": 300 / 10500,
    "dials_per_appointment": None,  # 1200 dials / 0 appointments: no value, not infinity
    "appointment_to_agreement_rate": None,  # 0 / 0
}

QUARTER: dict[str, float | None] = {
    "reactive_tickets_created": 9, "reactive_tickets_closed": 7,
    "reactive_hours": 8.25, "service_hours": 14.25,
    # levels at the quarter's end (31 March), not summed nor averaged
    "endpoints_managed": 8, "seats_managed": 6,
    "mrr": 31500, "orr": 6400, "nonrecurring_revenue": 7600, "product_sales": 9000,
    "total_revenue": 54500, "service_revenue": 45500,
    "technical_payroll": 15600, "non_technical_payroll": 6100, "cogs_agreements": 3150,
    "cogs_products": 7400, "cogs": 10550, "other_expenses": 5500, "total_expenses": 37750,
    "net_profit": 16750,
    "employees_total": 12, "employees_technical": 6, "agreements": 4,
    "telemarketing_dials": 3100, "first_time_appointments": 11, "prospects_to_pbr": 6,
    "new_agreements": 3, "new_mrr": 1900, "lost_mrr": 400,
    # SmartNumbers from the quarter's parts. Averaging the months would give other numbers:
    # tickets per endpoint by month are Jan 3/8 = 0.375, Feb 3/7 = 0.429, Mar 3/8 = 0.375, whose
    # average is 0.393, while the quarter is 9 / 3 / 8 = 0.375; hours per ticket by month are
    # 2.75/2 = 1.375, 1.5/3 = 0.5, 4/2 = 2.0 (average 1.292), the quarter 8.25 / 7 = 1.179.
    "reactive_tickets_per_endpoint": 9 / 3 / 8,
    "reactive_hours_per_endpoint": 8.25 / 3 / 8,
    "hours_per_ticket": 8.25 / 7,
    "close_ratio": 7 / 9,
    "endpoints_per_technician": 8 / 6,
    "recurring_revenue_share": 37900 / 54500,
    "all_in_seat_price": 37900 / 3 / 6,
    "service_revenue_per_employee": 45500 * 12 / 3 / 12,
    "service_revenue_per_technician": 45500 * 12 / 3 / 6,
    "technical_payroll_share": 15600 / 54500,
    "cogs_share": 10550 / 54500,
    "effective_hourly_rate": 31500 / 14.25,
    "net_profit_share": 16750 / 54500,
    "agreement_gross_margin": (37900 - 15600 - 3150) / 37900,
    "net_mrr_gain": 1900 - 400,
    "mrr_churn": 400 / 31500,
    "dials_per_appointment": 3100 / 11,
    "appointment_to_agreement_rate": 3 / 11,
}


def _close(got: dict[str, float | None], expected: dict[str, float | None]) -> list[Any]:
    return [(name, got.get(name), want) for name, want in expected.items()
            if (want is None) != (got.get(name) is None)
            or (want is not None and got[name] != pytest.approx(want, rel=1e-9))]


def test_every_metric_is_in_the_expected_figures() -> None:
    with_files = {p.stem for p in PACK.metrics_dir.glob("*.yml")}
    assert with_files == set(FEBRUARY) == set(QUARTER)


def test_every_metric_for_a_month(msp: Project) -> None:
    assert _close(values(msp, "2025-02"), FEBRUARY) == []


def test_every_metric_for_a_quarter_sums_flows_ends_levels_and_recomputes_ratios(
        msp: Project) -> None:
    assert _close(values(msp, "2025-Q1"), QUARTER) == []


def test_levels_at_each_months_end_and_a_missing_part_is_no_value(msp: Project) -> None:
    got = {m: values(msp, m) for m in ("2025-01", "2025-03")}
    # D8 (removed 15 February) still counts at January's end; D12 (removed at 1 March 00:00)
    # counts at February's end (see FEBRUARY: 7) and not at March's
    assert (got["2025-01"]["endpoints_managed"], got["2025-01"]["seats_managed"]) == (8, 5)
    assert (got["2025-03"]["endpoints_managed"], got["2025-03"]["seats_managed"]) == (8, 6)
    assert got["2025-01"]["agreements"] == 3
    # technical employees were not entered for March: no value, and nothing built on it
    assert got["2025-03"]["employees_technical"] is None
    assert got["2025-03"]["endpoints_per_technician"] is None
    assert got["2025-03"]["service_revenue_per_technician"] is None
    # January: 3 tickets (T3 is January's, in Chicago) / 1 month / 8 endpoints; 2.75 hours
    # (E3 too) / 2 tickets closed (T1, T12)
    assert got["2025-01"]["reactive_tickets_created"] == 3
    assert got["2025-01"]["reactive_tickets_per_endpoint"] == pytest.approx(3 / 8)
    assert got["2025-01"]["hours_per_ticket"] == pytest.approx(2.75 / 2)
    # March: 4 hours over 2 tickets closed (T10, T13); 900 dials / 6 appointments
    assert got["2025-03"]["hours_per_ticket"] == pytest.approx(2.0)
    assert got["2025-03"]["dials_per_appointment"] == pytest.approx(150)


def test_reactive_tickets_by_client(msp: Project) -> None:
    by = {v.slice["client_id"]: float(v.value or 0) for v in
          msp.compute(["reactive_tickets_created"], ["2025-02"], by="client_id")}
    assert by == {"C1": 2, "C2": 1}  # T4 T6 for C1; T5 for C2


def test_targets_and_status_for_a_month_and_a_quarter(msp: Project) -> None:
    def one(metric: str, period: str) -> tuple[float | None, str | None]:
        v = msp.compute([metric], [period])[0]
        return v.target, v.status

    # one ticket per endpoint a month: 7 endpoints x 1 month; the quarter 8 x 3 months
    assert one("reactive_tickets_created", "2025-02") == (pytest.approx(7), "green")
    assert one("reactive_tickets_created", "2025-Q1") == (pytest.approx(24), "green")
    # a per-month SmartNumber keeps its monthly target over a quarter (not 3 x 1.0)
    assert one("reactive_tickets_per_endpoint", "2025-Q1") == (1.0, "green")
    # close at least as many as came in: 3 of 3 in February is green; 7 of 9 in the quarter
    # is red (yellow from 95%)
    assert one("reactive_tickets_closed", "2025-02") == (pytest.approx(3), "green")
    assert one("reactive_tickets_closed", "2025-Q1") == (pytest.approx(9), "red")
    assert one("close_ratio", "2025-Q1") == (1.0, "red")
    # net profit target 15% of revenue: 0.15 x 14400 = 2160; 3750 is green
    assert one("net_profit", "2025-02") == (pytest.approx(2160), "green")
    # agreement gross margin 50.4%: yellow (green from 60%, yellow from 50%)
    assert one("agreement_gross_margin", "2025-02") == (0.6, "yellow")
    # 10% more endpoints than a year before: at the end of May 2024 (1 June 05:00 UTC in
    # Chicago) D1 D2 D4 D5 D8 D12, created 1 June 00:00 UTC, were managed: 6 x 1.1 = 6.6;
    # May 2025 ends with 8 (as March): green
    assert one("endpoints_managed", "2025-05") == (pytest.approx(6.6), "green")
    # 1200 dials / 0 appointments: no value is grey
    assert one("dials_per_appointment", "2025-02") == (150, "grey")


def test_a_manual_value_corrects_an_msp_metric_and_what_is_built_on_it(msp: Project) -> None:
    msp.set_manual("endpoints_managed", "2025-02", "9", author="controller",
                   note="two servers missing from the RMM")
    got = values(msp, "2025-02")
    assert got["endpoints_managed"] == 9
    assert got["reactive_tickets_per_endpoint"] == pytest.approx(3 / 1 / 9)
    assert got["endpoints_per_technician"] == pytest.approx(9 / 6)
    msp.set_manual("endpoints_managed", "2025-02", None, author="controller", release=True)
    assert values(msp, "2025-02")["endpoints_managed"] == 7


def test_the_checks_find_each_planted_mistake(msp: Project) -> None:
    failing = {r.name: r.failing for r in run_checks(msp) if not r.passed}
    assert failing == {
        "pnl_accounts_are_categorised": 1,  # Interest Income
        "ticket_boards_are_known": 1,  # Service Desk (T15)
        "boards_are_in_the_reference_list": 1,  # the PSA's Service Desk board
        "tickets_close_after_they_open": 1,  # T14
        "device_node_classes_are_known": 1,  # ANDROID_PHONE
        "time_entries_are_on_known_tickets": 1,  # E13 on T99
    }


def test_the_models_metrics_and_checks_read_exactly_the_manifests_tables() -> None:
    models = read_model_files(PACK.models_dir)
    read = {r for m in models for r in m.references}
    catalog = load_catalog(PACK.root, *load_people(PACK.root))
    for metric in catalog:
        sql = [q for q in (metric.sql, metric.target.sql if metric.target else None) if q]
        read |= {metric.model} if metric.model else set()
        read |= {r for q in sql for r in table_references(sql_probe(q))}
    read |= {r for c in read_checks(PACK.checks_dir) for r in table_references(c.sql)}
    references = {f"ref_{name}" for name in PACK.reference}
    assert read - {m.name for m in models} == set(PACK.tables) | references
    # the north star has its owner, and so has every person's one metric
    assert catalog.owner_of(PACK.north_star) is not None
    assert {p.metric for p in catalog.people.values()} <= set(catalog.metrics)


def test_the_four_dashboards_render(msp: Project) -> None:
    ensure_tables(msp.engine)
    auth = Auth(msp.engine, load_or_create_secret(msp.root), WebSettings())
    auth.add_user("dana", "dana_whitfield", "viewer", "a long passphrase for dana")
    _, raw = auth.create_token("dana", "test")
    with TestClient(create_app(msp, WebSettings(), schedule=False)) as client:
        client.headers["Authorization"] = f"Bearer {raw}"
        for name in ("smartnumbers", "operations", "revenue_and_profit", "sales"):
            page = client.get(f"/dashboards/{name}")
            assert page.status_code == 200, name
        smart = client.get("/dashboards/smartnumbers").text
        assert "Non-recurring" not in smart and "Appointment-to-agreement rate" in smart
        assert "Non-recurring revenue (NRR)" in client.get("/dashboards/revenue_and_profit").text
