"""The pipeline: sellers' quotas per quarter and the deals that cover them, with their stages,
funnels and touches, and HubSpot's history of each deal's stage and amount.

The history is what pipeline coverage reads at the start of a quarter. A deal open when its
quarter began was then in an open stage (mostly an early one) and at an amount that may since
have been revised; it moved to won or lost on its close date, or, still open in the current
quarter, to its stage today on a day since the quarter began. A deal created inside its quarter
starts in the first stage. So a past quarter's coverage differs from what today's stages
(won 100%, lost 0%) would give. Drawn from its own random stream: the other tables stay as
they were."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from northstar.packs import SampleTable
from northstar.packs.marketplace.sample.calibration import (
    COVERAGE,
    DEALS_PER_LINE,
    NEXT_QUARTER_COVERAGE,
    QUOTA_PLAN,
    QUOTA_QUARTER,
    SELLER_COVERAGE,
    SELLER_QUOTA_SHARE,
    SELLERS,
    YEAR_BILLINGS,
)
from northstar.packs.marketplace.sample.marketing import CHANNEL_P, CHANNELS
from northstar.packs.sample_arrays import (
    DAY_US,
    Floats,
    Ints,
    batches,
    choice,
    const,
    dates,
    money,
    numbered,
    pick,
    stream,
    timestamps,
)

if TYPE_CHECKING:
    from northstar.packs.marketplace.sample.company import Company

__all__ = ["FUNNELS", "FUNNEL_P", "MARKETING_TOUCHES", "PROGRAMS", "STAGES", "STAGE_PROBABILITY",
           "TOUCHES", "deals", "history", "plan_quota", "quotas_table", "touches"]

STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
           "decisionmakerboughtin", "contractsent", "closedwon", "closedlost")
STAGE_PROBABILITY = np.array([10, 20, 40, 60, 80, 100, 0], dtype=np.int64)  # hundredths
FUNNELS = ("inbound", "outbound", "referral", "event")
FUNNEL_P = np.array([0.30, 0.35, 0.15, 0.20])
PROGRAMS = ("Summer sampling", "Festival activation", "Campus tour", "Run club sampling",
             "Office pantry drop", "Holiday sampling", "Fitness studio tour", "Market weekend")
TOUCHES = ("paid_ads", "event", "email", "webinar", "outbound", "referral", "sales_call")
"""Deal touches (HubSpot's original and latest source); the first four are marketing's."""
MARKETING_TOUCHES: tuple[str, ...] = TOUCHES[:4]


def touches(rng: np.random.Generator, funnel: Ints) -> tuple[Ints, Ints]:
    """First and last touch per deal, as indexes into TOUCHES, shaped by the deal's funnel."""
    n = len(funnel)
    first = np.select(
        [funnel == 0, funnel == 1, funnel == 2],
        [choice(rng, 3, n, np.array([0.6, 0.25, 0.15])),  # inbound: ads, events, email
         np.where(rng.random(n) < 0.15, 3, 4),  # outbound: mostly the seller's own outreach
         np.full(n, 5)],  # referral
        default=1,  # event funnel
    ).astype(np.int64)
    last = np.where(rng.random(n) < 0.35, choice(rng, 4, n, np.array([0.2, 0.1, 0.45, 0.25])),
                    6).astype(np.int64)
    return first, last


def plan_quota(co: Company) -> Floats:
    """Quota in dollars per quarter and seller."""
    dollars_per_unit = co.customers.revenue[:, 2].sum() / YEAR_BILLINGS[2]
    quota = np.zeros((len(co.quarters), len(SELLERS)))
    for k, q in enumerate(co.quarters):
        total = QUOTA_PLAN[q.plan_index] * QUOTA_QUARTER[q.number - 1] * dollars_per_unit
        quota[k] = np.round(total * SELLER_QUOTA_SHARE / 1000.0) * 1000.0
    return quota


def quotas_table(co: Company) -> Iterator[SampleTable]:
    ids, owners, starts, cents = [], [], [], []
    for k, q in enumerate(co.quarters):
        for s, seller in enumerate(SELLERS):
            ids.append(f"QTA-{q.year}Q{q.number}-{seller}")
            owners.append(seller)
            starts.append(q.start)
            cents.append(int(np.rint(co.quota[k, s] * 100)))
    n = len(ids)
    yield from batches("quotas", "hubspot", "id", pa.table({
        "id": pa.array(ids, pa.string()), "owner_id": pa.array(owners, pa.string()),
        "period_start": dates(np.array(starts, dtype=np.int64)),
        "quota": money(np.array(cents, dtype=np.int64)),
        "department": const("demand", n),
    }))


def deals(co: Company, chunk: int) -> Iterator[SampleTable]:
    """Deals whose close date falls in the quarters of plan year `chunk`."""
    ks = [k for k, q in enumerate(co.quarters) if q.plan_index == chunk]
    if not ks:
        return
    rng = stream(co.seed, 30, chunk)
    total_quota = co.quota.sum()
    n_total = co.lines * DEALS_PER_LINE
    coverage = COVERAGE * np.exp(rng.normal(0.0, 0.05, len(ks)))
    groups_k: list[int] = []
    groups_s: list[int] = []
    counts: list[int] = []
    targets: list[float] = []
    for j, k in enumerate(ks):
        q = co.quarters[k]
        cov = coverage[j] if q.start <= co.end_day else NEXT_QUARTER_COVERAGE
        mult = SELLER_COVERAGE * rng.lognormal(0.0, 0.08, len(SELLERS))
        mult *= (co.quota[k] * SELLER_COVERAGE).sum() / max(
            (co.quota[k] * mult).sum(), 1e-9)
        for s in range(len(SELLERS)):
            pipeline = cov * mult[s] * co.quota[k, s]
            groups_k.append(k)
            groups_s.append(s)
            targets.append(pipeline)
            counts.append(max(2, round(n_total * co.quota[k, s] / total_quota)))
    gk = np.repeat(np.array(groups_k), counts).astype(np.int64)
    gs = np.repeat(np.array(groups_s), counts).astype(np.int64)
    grp = np.repeat(np.arange(len(counts)), counts).astype(np.int64)
    n = len(grp)
    q_start = np.array([q.start for q in co.quarters], dtype=np.int64)[gk]
    q_stop = np.array([q.stop for q in co.quarters], dtype=np.int64)[gk]
    close = q_start + np.floor(rng.random(n) * (q_stop - q_start)).astype(np.int64)
    in_pipe = rng.random(n) < 0.8
    first_of_group = np.ones(n, dtype=bool)
    first_of_group[1:] = grp[1:] != grp[:-1]
    in_pipe |= first_of_group
    create = np.where(
        in_pipe, q_start - rng.integers(1, 151, n),
        q_start + np.floor(rng.random(n) * (close - q_start + 1)).astype(np.int64))
    create = np.where(in_pipe & (create > co.end_day),
                      co.end_day - rng.integers(0, 21, n), create)
    base = np.clip(rng.lognormal(np.log(30_000.0), 0.9, n), 3_000.0, 600_000.0)
    pipe_sum = np.bincount(grp, weights=np.where(in_pipe, base, 0.0), minlength=len(counts))
    amount = np.rint(base * (np.array(targets) / np.maximum(pipe_sum, 1e-9))[grp])
    amount = np.maximum(amount, 500.0).astype(np.int64) * 100

    closed = close <= co.end_day
    won = closed & (rng.random(n) < 0.25)
    open_stage = choice(rng, 5, n, np.array([0.25, 0.25, 0.2, 0.15, 0.15]))
    stage = np.where(closed, np.where(won, 5, 6), open_stage).astype(np.int64)

    # the company: won deals are always with a customer; others may be prospects
    c = co.customers
    year_index = np.minimum(chunk, 3)
    buyers = np.flatnonzero(c.revenue[:, year_index] > 0)
    if len(buyers) == 0:
        buyers = np.arange(len(c.names))
    is_customer = won | (rng.random(n) < 0.45)
    company = np.where(is_customer, rng.integers(0, len(buyers), n), 0)
    prospect = rng.integers(1, 601, n)

    funnel = choice(rng, len(FUNNELS), n, FUNNEL_P)
    inbound = funnel == 0
    channel = choice(rng, len(CHANNELS), n, CHANNEL_P)
    create_year = np.clip(np.searchsorted([y.first for y in co.years[1:]], create,
                                          side="right"), 0, 3)
    campaign_names = [name for camps in co.campaigns for name, _ in camps]
    per_channel = len(co.campaigns[0]) // len(CHANNELS)
    slot = rng.integers(0, per_channel, n)
    campaign_index = create_year * len(co.campaigns[0]) + channel * per_channel + slot

    keep = create <= co.end_day
    idx = np.flatnonzero(keep)
    n = len(idx)
    if n == 0:
        return
    company_id = pc.if_else(
        pa.array(is_customer[idx]),
        c.ids.take(pa.array(buyers[company[idx]])),
        numbered("PRS-", prospect[idx], 5),
    )
    labels = [q.label for q in co.quarters]
    deal_name = pc.binary_join_element_wise(
        pick(PROGRAMS, rng.integers(0, len(PROGRAMS), len(grp))[idx]),
        pick(labels, gk[idx]), " ")
    seconds = rng.integers(13 * 3600, 23 * 3600, len(grp))[idx]
    not_inbound = ~inbound[idx]
    first_touch, last_touch = touches(stream(co.seed, 31, chunk), funnel[idx])
    deal_ids = numbered("DEAL-", co.numbers("deal", n), 7)
    yield from batches("deals", "hubspot", "id", pa.table({
        "id": deal_ids,
        "company_id": company_id,
        "owner_id": pick(SELLERS, gs[idx]),
        "deal_name": deal_name,
        "amount": money(amount[idx]),
        "stage": pick(STAGES, stage[idx]),
        "stage_probability": money(STAGE_PROBABILITY[stage[idx]], 5),
        "create_date": timestamps(create[idx] * DAY_US + seconds * 1_000_000),
        "close_date": dates(close[idx]),
        "department": const("demand", n),
        "source_funnel": pick(FUNNELS, funnel[idx]),
        "utm_source": pick(CHANNELS, channel[idx], not_inbound),
        "utm_medium": pick(("cpc",), np.zeros(n, dtype=np.int64), not_inbound),
        "utm_campaign": pick(campaign_names, campaign_index[idx], not_inbound),
        "first_touch": pick(TOUCHES, first_touch),
        "last_touch": pick(TOUCHES, last_touch),
    }))
    created_us = create[idx] * DAY_US + seconds * 1_000_000
    yield from history(co, chunk, deal_ids, created_us, stage[idx], amount[idx], q_start[idx],
                       close[idx])


def history(co: Company, chunk: int, deal_ids: pa.Array, created_us: Ints, stage: Ints,
            cents: Ints, q_start: Ints, close: Ints) -> Iterator[SampleTable]:
    """The `dealstage` and `amount` versions of the deals of one plan year (see the module
    docstring): one of each at creation, one more stage version when the deal moved, and one
    more amount version for the deals whose amount was revised after their quarter began."""
    rng = stream(co.seed, 32, chunk)
    n = len(stage)
    create_day = created_us // DAY_US
    open_then = create_day < q_start
    future = q_start > co.end_day
    start_stage = np.where(open_then, choice(rng, 5, n, np.array([0.3, 0.3, 0.2, 0.1, 0.1])),
                           0).astype(np.int64)
    start_stage = np.where(future, stage, start_stage)
    closed = stage >= 5
    # the day it moved: its close date when it closed; since the quarter began when still open
    first = np.maximum(q_start, create_day + 1)
    last = np.minimum(close, co.end_day)
    span = np.maximum(last - first + 1, 1)
    move_day = np.where(closed, close, first + np.floor(rng.random(n) * span).astype(np.int64))
    moved = (stage != start_stage) & (closed | (last >= first))
    start_stage = np.where(moved | closed, start_stage, stage)
    # late in the (UTC) day, after any creation that day
    move_us = move_day * DAY_US + rng.integers(23 * 3600, 24 * 3600 - 60, n) * 1_000_000
    # an amount revised after the quarter began (by -30% to +30%, to the $100) for 40% of the
    # deals that were open then
    factor = np.exp(rng.normal(0.0, 0.15, n))
    first_cents = np.maximum(np.rint(cents * factor / 10_000.0) * 10_000, 50_000).astype(
        np.int64)
    revised = open_then & ~future & (rng.random(n) < 0.4) & (first_cents != cents)
    revised &= last >= first
    revise_us = (first + np.floor(rng.random(n) * span).astype(np.int64)) * DAY_US \
        + rng.integers(13 * 3600, 23 * 3600, n) * 1_000_000
    start_cents = np.where(revised, first_cents, cents)

    parts = [
        (np.arange(n), "dealstage", start_stage, None, created_us),
        (np.flatnonzero(moved), "dealstage", stage, None, move_us),
        (np.arange(n), "amount", None, start_cents, created_us),
        (np.flatnonzero(revised), "amount", None, cents, revise_us),
    ]
    ids, deals, props, values, stamps, probs = [], [], [], [], [], []
    for rows, prop, stages, amounts, when in parts:
        rows = np.asarray(rows, dtype=np.int64)
        taken = deal_ids.take(pa.array(rows))
        deals.append(taken)
        props.append(const(prop, len(rows)))
        ids.append(pc.binary_join_element_wise(taken, const(f"-{prop}-", len(rows)),
                                               pc.cast(pa.array(when[rows]), pa.string()), ""))
        stamps.append(when[rows])
        if stages is not None:
            values.append(pick(STAGES, stages[rows]))
            probs.append(money(STAGE_PROBABILITY[stages[rows]], 5))
        elif amounts is not None:
            values.append(pc.cast(money(amounts[rows]), pa.string()))
            probs.append(pa.nulls(len(rows), pa.decimal128(5, 2)))
    m = sum(len(s) for s in stamps)
    yield from batches("deal_property_history", "hubspot", "id", pa.table({
        "id": pa.concat_arrays(ids), "deal_id": pa.concat_arrays(deals),
        "property": pa.concat_arrays(props), "value": pa.concat_arrays(values),
        "changed_at": timestamps(np.concatenate(stamps)),
        "source": const("CRM_UI", m),
        "stage_probability": pa.concat_arrays(probs),
    }))
