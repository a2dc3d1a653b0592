"""Stripe: a setup fee when a deal is won (charged through GoHighLevel's order form), then the
retainer every month on the day the client was onboarded, until it churns. A few charges fail
and are retried three days later; about one in fifty is refunded (in full or half), and one in
two hundred disputed (a chargeback: lost, won, or still open). GoHighLevel keeps its own record
of the order-form charges, under the same charge id, and misses some refunds made in Stripe:
those are the cash disagreements the pack's ownership lists."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from northstar.packs import SampleTable
from northstar.packs.agency.sample.calendar import MINUTE_US, Calendar
from northstar.packs.agency.sample.clients import Client, _day
from northstar.packs.sample_arrays import DAY_US, batches, money, stream

__all__ = ["Payments", "collect", "payment_tables"]

SETUP_FEES = (3_000, 5_000)


@dataclass
class Payments:
    charges: dict[str, list[object]] = field(default_factory=dict)
    refunds: dict[str, list[object]] = field(default_factory=dict)
    disputes: dict[str, list[object]] = field(default_factory=dict)
    order_form: list[int] = field(default_factory=list)
    """Rows of `charges` made through GoHighLevel's order form (the setup fees)."""
    net_by_month: dict[int, int] = field(default_factory=dict)
    """Net cash in cents by history month (charges less refunds and lost or open disputes)."""


def _add(cols: dict[str, list[object]], **values: object) -> None:
    for k, v in values.items():
        cols.setdefault(k, []).append(v)


def collect(seed: int, cal: Calendar, clients: list[Client]) -> Payments:
    rng = stream(seed, 4, 1)
    p = Payments()
    end = cal.end_us
    n_charge = n_refund = n_dispute = 0

    def net(moment: int, cents: int) -> None:
        m = cal.month_index(cal.local_day(moment))
        p.net_by_month[m] = p.net_by_month.get(m, 0) + cents

    def charge(c: Client, at: int, cents: int, kind: str, retry: bool = True) -> None:
        nonlocal n_charge, n_refund, n_dispute
        if at > end:
            return
        n_charge += 1
        cid = f"ch_{n_charge:08d}"
        failed = retry and rng.random() < 0.04
        refunded = 0
        if not failed and rng.random() < 0.02:
            when = at + int(rng.integers(1, 21)) * DAY_US
            if when <= end:
                refunded = cents if rng.random() < 0.6 else cents // 2
                n_refund += 1
                _add(p.refunds, id=f"re_{n_refund:08d}", amount=refunded, currency="usd",
                     charge=cid, payment_intent=f"pi_{n_charge:08d}",
                     balance_transaction=f"txn_r{n_refund:08d}",
                     reason=str(rng.choice(["requested_by_customer", "duplicate"])),
                     status="succeeded", created=when, client_id=c.id,
                     source_funnel=c.source.funnel, owner_id=c.closer)
                net(when, -refunded)
        if not failed and not refunded and rng.random() < 0.005:
            when = at + int(rng.integers(10, 61)) * DAY_US
            if when <= end:
                n_dispute += 1
                status = ("needs_response" if end - when < 21 * DAY_US else
                          str(rng.choice(["lost", "won"], p=[0.6, 0.4])))
                _add(p.disputes, id=f"dp_{n_dispute:08d}", amount=cents, currency="usd",
                     charge=cid, payment_intent=f"pi_{n_charge:08d}",
                     reason=str(rng.choice(["fraudulent", "product_not_received",
                                            "subscription_canceled"])),
                     status=status, created=when, client_id=c.id,
                     source_funnel=c.source.funnel, owner_id=c.closer)
                if status != "won":
                    net(when, -cents)
        if kind == "setup":
            p.order_form.append(n_charge - 1)
        _add(p.charges, id=cid, amount=cents, amount_captured=0 if failed else cents,
             amount_refunded=refunded, currency="usd", status="failed" if failed else "succeeded",
             paid=not failed, captured=not failed, refunded=refunded == cents,
             customer=f"cus_{c.id}", payment_intent=f"pi_{n_charge:08d}",
             balance_transaction=None if failed else f"txn_{n_charge:08d}", created=at,
             client_id=c.id, source_funnel=c.source.funnel, owner_id=c.closer,
             description="Setup fee" if kind == "setup" else "Monthly retainer")
        if not failed:
            net(at, cents)
        else:
            charge(c, at + 3 * DAY_US, cents, kind, retry=False)

    for c in clients:
        if c.deal is not None:
            charge(c, c.deal.won_us + 10 * MINUTE_US, int(rng.choice(SETUP_FEES)) * 100, "setup")
        dom = min(28, _dom(c.onboarded))
        for m, mrr in c.mrr.items():
            first = cal.months[m]
            day = _day(first) + dom - 1
            if day < c.onboarded or day > cal.last_day:
                continue
            if c.churned is not None and day >= c.churned:
                break
            charge(c, cal.at(day, 9 + float(rng.integers(0, 60)) / 60), mrr, "retainer")
    return p


def _dom(day: int) -> int:
    return int(str(np.datetime64(day, "D"))[8:10])


def _table(cols: dict[str, list[object]], money_cols: tuple[str, ...], ts: tuple[str, ...],
           bools: tuple[str, ...] = ()) -> pa.Table:
    out: dict[str, pa.Array] = {}
    for name, values in cols.items():
        if name in money_cols:
            out[name] = money(np.array(values, dtype=np.int64))
        elif name in ts:
            out[name] = pa.array(values, pa.int64()).cast(pa.timestamp("us"))
        elif name in bools:
            out[name] = pa.array(values, pa.bool_())
        else:
            out[name] = pa.array(values, pa.string())
    n = len(cols.get("id", []))
    out["department"] = pa.array(["finance"] * n, pa.string())
    return pa.table(out)


CHARGE_COLUMNS = ("id", "amount", "amount_captured", "amount_refunded", "currency", "status",
                  "paid", "captured", "refunded", "customer", "payment_intent",
                  "balance_transaction", "created", "client_id", "source_funnel", "owner_id")


def payment_tables(seed: int, p: Payments) -> Iterator[SampleTable]:
    rng = stream(seed, 4, 2)
    charges = {k: p.charges.get(k, []) for k in CHARGE_COLUMNS}
    money_cols = ("amount", "amount_captured", "amount_refunded")
    bools = ("paid", "captured", "refunded")
    yield from batches("stripe_charges", "stripe", "id",
                       _table(charges, money_cols, ("created",), bools))
    if p.refunds:
        yield from batches("stripe_refunds", "stripe", "id",
                           _table(p.refunds, ("amount",), ("created",)))
    if p.disputes:
        yield from batches("stripe_disputes", "stripe", "id",
                           _table(p.disputes, ("amount",), ("created",)))
    # GoHighLevel's record of the order-form charges: a refund made in Stripe's dashboard
    # reaches it only now and then
    copy: dict[str, list[object]] = {k: [] for k in CHARGE_COLUMNS}
    for row in p.order_form:
        for k in CHARGE_COLUMNS:
            copy[k].append(charges[k][row])
        if copy["amount_refunded"][-1] and rng.random() < 0.5:
            copy["amount_refunded"][-1], copy["refunded"][-1] = 0, False
        copy["balance_transaction"][-1] = None
    yield from batches("stripe_charges", "gohighlevel", "id",
                       _table(copy, money_cols, ("created",), bools))


