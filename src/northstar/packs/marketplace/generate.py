"""Sample company for the marketplace pack: a fictional two-sided sampling marketplace.

Brands (customers) buy product sampling at events; venues and event organisers (suppliers) are
paid out for hosting it. Three full years plus the current year to date, ending at `end`.

The shape follows the customer's own figures, scaled: the top customer is about 41% of a year's
billings and the top two about 59%, net revenue retention is about 107% and logo retention about
37% in the last full year, Q4 has faded to about 11% of the year, the take rate is about 30%, about
90% of what falls due is collected, and the pipeline entering a quarter is about 3.9x its quota.

`rows` sets the approximate number of ledger rows. More rows mean more invoice lines, bills,
payments and deals (so more revenue), never more customers or suppliers: about 90 customers buy
in the first year and 50 in the last full year, and there are about 150 suppliers. Every ratio
above holds at any size because amounts are scaled to planned totals per customer, year and
quarter. Deterministic: numpy `default_rng` streams derived from `seed`; no clock except `end`,
which defaults to today. Vectorised and generated a year at a time, in batches of at most
500,000 rows."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from northstar.packs import SampleTable

__all__ = ["ACCOUNT_MANAGERS", "BATCH_ROWS", "SELLERS", "generate"]

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

BATCH_ROWS = 500_000
"""Largest batch yielded for one table."""

_EPOCH = date(1970, 1, 1)
_DAY_US = 86_400_000_000

# -- people (ids from people.yml) -----------------------------------------------------------------
SELLERS: tuple[str, ...] = ("sam_whitaker", "riley_chen", "nora_fitzgerald")
"""Quota-carrying sellers: they own the deals."""
_SELLER_QUOTA_SHARE = np.array([0.30, 0.37, 0.33])
_SELLER_COVERAGE = np.array([1.05, 0.92, 1.04])
ACCOUNT_MANAGERS: tuple[str, ...] = ("teresa_vance", "marcus_bell", "elena_petrova")
"""Account managers: each customer account has one, the invoice lines' `owner_id`."""

# -- calibration ----------------------------------------------------------------------------------
_YEAR_BILLINGS = (6.2, 6.88, 8.0, 8.6)
"""Relative customer billings per year (year 3 is the current year's annual run rate)."""
_QUARTER_SHARE = (
    (0.22, 0.25, 0.27, 0.26),
    (0.24, 0.28, 0.30, 0.18),
    (0.26, 0.32, 0.31, 0.11),
    (0.26, 0.32, 0.31, 0.11),
)
"""Share of a year's billings invoiced in each quarter: Q4 fades from 26% to 11%."""
_MONTH_WEIGHT = np.array([0.8, 0.9, 1.1, 1.0, 1.1, 1.2, 1.2, 1.1, 1.0, 1.1, 1.0, 0.7])
_WEEKDAY_WEIGHT = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.2, 0.1])
_PAYOUT_RATIO = (0.69, 0.675, 0.66, 0.655)
"""Organiser payouts (bills) as a share of the month's GMV."""
_UNLINKED = (0.035, 0.025, 0.015, 0.01)
"""Share of bills not linked to a supplier on the platform (falls as linking improves)."""
_QUOTA_PLAN = (6.4, 7.2, 8.0, 8.9, 9.6)
"""Relative annual quota per year (index 4: the year after `end`, for the next quarter)."""
_QUOTA_QUARTER = (0.23, 0.26, 0.27, 0.24)
_COVERAGE = 3.9
"""Unweighted pipeline entering a quarter, as a multiple of its quota."""
_NEXT_QUARTER_COVERAGE = 2.6

_MEAN_LINE = 4_000.0
"""Average invoice line in dollars; rows scale the number of lines, not their size."""
_MEAN_BILL_LINE = 3_300.0
_LINES_PER_INVOICE = 2.2
_DEALS_PER_LINE = 0.42
_ADS_PER_LINE = 0.06
_ROWS_PER_LINE = 4.83
"""Ledger rows generated per GMV invoice line (all tables but the small fixed ones)."""

_GMV_ACCOUNTS = ("4110", "4120", "4130", "4140", "4150", "4160", "4169")
_GMV_ACCOUNT_P = np.array([0.34, 0.16, 0.20, 0.10, 0.08, 0.07, 0.05])
_DISCOUNT_ACCOUNT = "4190"
_PAYOUT_ACCOUNTS = ("4200", "4210", "4220", "4230")
_PAYOUT_ACCOUNT_P = np.array([0.55, 0.2, 0.15, 0.1])

_INCOME_CODES = np.array([int(a) for a in (*_GMV_ACCOUNTS, _DISCOUNT_ACCOUNT)], dtype=np.int64)
_PAYOUT_CODES = np.array([int(a) for a in _PAYOUT_ACCOUNTS], dtype=np.int64)
_BILL_STATUSES = ("Paid", "Approved", "Pending", "W-9 Missing", "Not Onboarded")
_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
           "decisionmakerboughtin", "contractsent", "closedwon", "closedlost")
_STAGE_PROBABILITY = np.array([10, 20, 40, 60, 80, 100, 0], dtype=np.int64)  # hundredths
_FUNNELS = ("inbound", "outbound", "referral", "event")
_FUNNEL_P = np.array([0.30, 0.35, 0.15, 0.20])
_CHANNELS = ("google", "meta", "linkedin", "tiktok")
_CHANNEL_P = np.array([0.40, 0.25, 0.25, 0.10])
_CHANNEL_SPEND = np.array([320.0, 210.0, 380.0, 150.0])
_CHANNEL_CPC = np.array([2.6, 1.4, 6.5, 0.9])
_CHANNEL_CONVERSION = np.array([0.045, 0.03, 0.06, 0.02])
_CAMPAIGN_THEMES = ("brand_sampling", "festival_season", "retail_launch", "campus_tour",
                    "fitness_partners", "holiday_push", "retargeting", "lookalike")
_PROGRAMS = ("Summer sampling", "Festival activation", "Campus tour", "Run club sampling",
             "Office pantry drop", "Holiday sampling", "Fitness studio tour", "Market weekend")

_BRAND_WORDS = (
    "Harbor", "Juniper", "Copperline", "Tidewater", "Bramble", "Northfield", "Saltmarsh",
    "Ridgeback", "Lanternfly", "Ember", "Fernhollow", "Bluehaven", "Cobalt Bay", "Meadowlark",
    "Stonebridge", "Wildcrest", "Sunbarrow", "Driftwood", "Oak & Ivy", "Pinecrest", "Riverbend",
    "Goldleaf", "Silverpine", "Foxglove", "Kettle Rock", "Marigold", "Westwind", "Larkspur",
    "Orchard Lane", "Granite Peak", "Seabright", "Hollowtree", "Brightwater", "Clover Hill",
    "Redtail", "Moonrise", "Quarry Road", "Thistle", "Amberfield", "Cedar Hollow",
)
_BRAND_PRODUCTS = (
    ("Lager Co.", "beer"), ("Sparkling Water", "beverage"), ("Snack Co.", "snacks"),
    ("Kombucha", "beverage"), ("Cold Brew", "coffee"), ("Protein Bars", "snacks"),
    ("Oat Milk", "dairy alternatives"), ("Hard Seltzer", "beer"), ("Skincare", "personal care"),
    ("Jerky Co.", "snacks"), ("Granola", "snacks"), ("Energy Drinks", "beverage"),
    ("Tea Co.", "beverage"), ("Kettle Chips", "snacks"), ("Hot Sauce", "pantry"),
    ("Popcorn", "snacks"), ("Coconut Water", "beverage"), ("Pet Treats", "pet"),
    ("Deodorant", "personal care"), ("Sun Care", "personal care"), ("Gummies", "wellness"),
    ("Distilling", "spirits"), ("Cider Works", "beer"), ("Electrolytes", "wellness"),
)
_PLACES = (
    "Riverside", "Lakeshore", "Maple Street", "Old Mill", "Harborview", "Summit Park",
    "Eastside", "Canal Yard", "Prairie", "Bayfront", "Union Wharf", "Hillcrest", "Westgate",
    "Cypress", "Foundry", "Willow Creek", "Northgate", "Pier Nine", "Elm Grove", "Red Brick",
    "Gaslight", "Midtown", "Railyard", "Sandbar", "Valley",
)
_VENUES = (
    ("Music Festival", "festival"), ("Run Club", "run_club"), ("Farmers Market", "market"),
    ("Food Truck Rally", "festival"), ("Yoga Collective", "fitness_studio"),
    ("Ballpark", "sports"), ("Student Union", "campus"), ("Cowork", "office"),
    ("Street Fair", "community_event"), ("Tech Summit", "conference"),
    ("Climbing Gym", "fitness_studio"), ("Amphitheater", "concert"),
)


_TOUCHES = ("paid_ads", "event", "email", "webinar", "outbound", "referral", "sales_call")
"""Deal touches (HubSpot's original and latest source); the first four are marketing's."""
MARKETING_TOUCHES: tuple[str, ...] = _TOUCHES[:4]
_FACTORING_LIMIT = 1_000_000_00
"""The factoring facility's limit in cents ($1M)."""
_FACTORING_USE = np.array([0.40, 0.45, 0.55, 0.62, 0.70, 0.78, 0.83, 0.76, 0.66, 0.56, 0.46, 0.40])
"""Share of the facility drawn at each month end (it follows the receivables of the season)."""


def _touches(rng: np.random.Generator, funnel: Ints) -> tuple[Ints, Ints]:
    """First and last touch per deal, as indexes into _TOUCHES, shaped by the deal's funnel."""
    n = len(funnel)
    first = np.select(
        [funnel == 0, funnel == 1, funnel == 2],
        [_choice(rng, 3, n, np.array([0.6, 0.25, 0.15])),  # inbound: ads, events, email
         np.where(rng.random(n) < 0.15, 3, 4),  # outbound: mostly the seller's own outreach
         np.full(n, 5)],  # referral
        default=1,  # event funnel
    ).astype(np.int64)
    last = np.where(rng.random(n) < 0.35, _choice(rng, 4, n, np.array([0.2, 0.1, 0.45, 0.25])),
                    6).astype(np.int64)
    return first, last


# -- small helpers --------------------------------------------------------------------------------
def _day(d: date) -> int:
    return (d - _EPOCH).days


def _month_label(day: int) -> str:
    """'2025-03' for an epoch day in March 2025."""
    d = date.fromordinal(_EPOCH.toordinal() + day)
    return f"{d.year:04d}-{d.month:02d}"


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


def _money(cents: Ints, precision: int = 18) -> pa.Array:
    """Whole cents as decimal(precision, 2), built straight from the 128-bit buffer."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    buf = np.empty((len(cents), 2), dtype=np.int64)
    buf[:, 0] = cents
    buf[:, 1] = cents >> 63
    return pa.Array.from_buffers(pa.decimal128(precision, 2), len(cents),
                                 [None, pa.py_buffer(buf.tobytes())])


def _dates(days: Ints) -> pa.Array:
    return pa.array(np.asarray(days, dtype=np.int32)).view(pa.date32())


def _timestamps(micros: Ints) -> pa.Array:
    return pa.array(np.asarray(micros, dtype=np.int64)).view(pa.timestamp("us"))


def _pick(values: Sequence[str] | pa.Array, index: Ints, missing: Bools | None = None) -> pa.Array:
    """values[index] as a string array; rows where `missing` is true are NULL."""
    arr = values if isinstance(values, pa.Array) else pa.array(list(values), pa.string())
    idx = pa.array(np.asarray(index, dtype=np.int64), mask=missing)
    return arr.take(idx)


def _const(value: str, n: int) -> pa.Array:
    return _pick((value,), np.zeros(n, dtype=np.int64))


def _ids(prefix: str, numbers: Ints, width: int, line: Ints | None = None) -> pa.Array:
    """Ids like INV-0000123 or, with `line`, INV-0000123-2."""
    num = pc.utf8_lpad(pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
                       width=width, padding="0")
    if line is None:
        return pc.binary_join_element_wise(prefix, num, "")
    ln = pc.cast(pa.array(np.asarray(line, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(prefix, num, "-", ln, "")


def _choice(rng: np.random.Generator, k: int, n: int, p: Floats) -> Ints:
    return rng.choice(k, size=n, p=p / p.sum()).astype(np.int64)


def _batches(name: str, source: str, id_column: str, table: pa.Table) -> Iterator[SampleTable]:
    for offset in range(0, table.num_rows, BATCH_ROWS):
        yield SampleTable(name, source, id_column, table.slice(offset, BATCH_ROWS))


def _stratified(rng: np.random.Generator, groups: Ints, n_groups: int) -> Floats:
    """A uniform draw per row, stratified within each group (so dates spread evenly)."""
    n = len(groups)
    order = np.lexsort((rng.random(n), groups))
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - starts[groups[order]]
    out: Floats = (rank + rng.random(n)) / counts[groups]
    return out


@dataclass(frozen=True)
class _Year:
    """One calendar year: its bounds and the weight of each day for invoice dates."""

    index: int
    year: int
    first: int
    """Epoch day of 1 January."""
    stop: int
    """Epoch day of the next 1 January."""
    last: int
    """Last epoch day with data: 31 December or `end`."""
    cum: Floats
    """Cumulative day weights (length days + 1); quarter k holds `_QUARTER_SHARE[.][k]`."""
    quarter_starts: Ints
    """The four quarter starts and `stop` (epoch days)."""
    month_starts: Ints
    """The twelve month starts and `stop` (epoch days)."""

    def sample(self, lo: Ints, hi: Ints, u: Floats) -> Ints:
        """Days in [lo, hi] (inclusive) drawn with the year's day weights at quantiles u."""
        a = self.cum[lo - self.first]
        b = self.cum[hi - self.first + 1]
        idx = np.searchsorted(self.cum, a + u * (b - a), side="right") - 1
        out: Ints = np.clip(idx + self.first, lo, hi).astype(np.int64)
        return out

    def quarter_of(self, days: Ints) -> Ints:
        out: Ints = (np.searchsorted(self.quarter_starts, days, side="right") - 1).astype(np.int64)
        return out

    def mass(self, lo: Ints, hi: Ints) -> Floats:
        """Day weight in [lo, hi] per quarter: shape (len(lo), 4)."""
        qs = self.quarter_starts
        a = np.maximum(lo[:, None], qs[None, :4])
        b = np.minimum(hi[:, None] + 1, qs[None, 1:])
        ok = b > a
        a = np.clip(a, self.first, self.stop) - self.first
        b = np.clip(b, self.first, self.stop) - self.first
        out: Floats = np.where(ok, self.cum[b] - self.cum[a], 0.0)
        return out


def _calendar(index: int, year: int, shares: Sequence[float], end_day: int) -> _Year:
    first, stop = _day(date(year, 1, 1)), _day(date(year + 1, 1, 1))
    days = np.arange(first, stop, dtype=np.int64)
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
    base = _MONTH_WEIGHT[months] * _WEEKDAY_WEIGHT[(days + 3) % 7]
    quarter = months // 3
    totals = np.bincount(quarter, weights=base, minlength=4)
    weight = base / totals[quarter] * np.asarray(shares)[quarter]
    months_ = np.array([_day(date(year, m, 1)) for m in range(1, 13)] + [stop], dtype=np.int64)
    return _Year(index, year, first, stop, min(stop - 1, end_day),
                 np.concatenate([[0.0], np.cumsum(weight)]), months_[::3], months_)


# -- customer plan --------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Segment:
    name: str
    count: int
    shares: tuple[float, float, float, float]
    """Share of each year's billings (0: not buying). Year 3 shares go to 'continuing' rows."""
    created_year: int
    before: float
    """Fraction created before the data starts (only for segments buying in year 0)."""


_SEGMENTS = (
    _Segment("top1", 1, (0.25, 0.30, 0.409, 0.40), 0, 1.0),
    _Segment("top2", 1, (0.12, 0.15, 0.181, 0.17), 0, 1.0),
    _Segment("core", 14, (0.22, 0.26, 0.23, 0.0), 0, 1.0),
    _Segment("y0_y1", 24, (0.20, 0.13, 0.0, 0.0), 0, 0.5),
    _Segment("y0_only", 50, (0.21, 0.0, 0.0, 0.0), 0, 0.4),
    _Segment("y1_core", 10, (0.0, 0.09, 0.10, 0.0), 1, 0.0),
    _Segment("y1_only", 20, (0.0, 0.07, 0.0, 0.0), 1, 0.0),
    _Segment("y2_new", 24, (0.0, 0.0, 0.08, 0.0), 2, 0.0),
)
_CONTINUING = ("core", "y1_core", "y2_new")
_CONTINUING_SHARE = 0.36
_CONTINUE_P = 0.6
_NEW_Y3_SHARE = 0.07
_NEW_Y3_PER_YEAR = 10


@dataclass(frozen=True)
class _Customers:
    ids: pa.Array
    names: list[str]
    industry: list[str]
    created: Ints
    owner: Ints
    """Index into ACCOUNT_MANAGERS."""
    revenue: Floats
    """Planned GMV in dollars, shape (n, 4)."""
    lo: Ints
    hi: Ints
    """Per customer and year: the window (epoch days, inclusive) their invoices fall in."""
    annual: Floats
    """Planned GMV at a full year's rate (the current year not cut at `end`), shape (n, 4)."""


def _plan_customers(seed: int, years: list[_Year], target_lines: float) -> _Customers:
    rng = _rng(seed, 1)
    seg_index: list[int] = []
    for i, seg in enumerate(_SEGMENTS):
        seg_index += [i] * seg.count
    elapsed = (years[3].last - years[3].first + 1) / (years[3].stop - years[3].first)
    n_new3 = round(_NEW_Y3_PER_YEAR * elapsed)
    seg_arr = np.array(seg_index + [len(_SEGMENTS)] * n_new3, dtype=np.int64)
    n = len(seg_arr)

    # creation dates: before the data starts, or in the first 85% of the first year they buy
    created = np.zeros(n, dtype=np.int64)
    start = years[0].first
    for i, segment in enumerate([*_SEGMENTS, None]):
        rows = np.flatnonzero(seg_arr == i)
        if len(rows) == 0:
            continue
        if segment is None:
            y = years[3]
            created[rows] = y.first + rng.integers(0, y.last - y.first + 1, len(rows))
            continue
        y = years[segment.created_year]
        span = int((y.stop - y.first) * 0.85)
        created[rows] = y.first + rng.integers(0, span, len(rows))
        n_before = round(segment.before * len(rows))
        if n_before:
            created[rows[:n_before]] = start - rng.integers(60, 1800, n_before)

    # relative billings per customer and year
    size = rng.lognormal(0.0, 0.8, n)
    revenue = np.zeros((n, 4))
    lo = np.zeros((n, 4), dtype=np.int64)
    hi = np.zeros((n, 4), dtype=np.int64)
    for y in years[:4]:
        lo[:, y.index] = np.maximum(created, y.first)
        hi[:, y.index] = y.last
    continuing = np.isin(seg_arr, [i for i, s in enumerate(_SEGMENTS) if s.name in _CONTINUING])
    continuing &= rng.random(n) < _CONTINUE_P
    for y in years[:4]:
        groups: list[tuple[Bools, float]] = []
        for i, seg in enumerate(_SEGMENTS):
            if seg.shares[y.index] > 0:
                groups.append((seg_arr == i, seg.shares[y.index]))
        if y.index == 3:
            groups += [(continuing, _CONTINUING_SHARE), (seg_arr == len(_SEGMENTS), _NEW_Y3_SHARE)]
        for members, share in groups:
            if not members.any():
                continue
            w = size[members] * rng.lognormal(0.0, 0.25, int(members.sum()))
            revenue[members, y.index] = share * _YEAR_BILLINGS[y.index] * w / w.sum()
    # the current year: an annual rate times the part of the year already behind us
    y3 = years[3]
    annual = revenue.copy()
    revenue[:, 3] *= y3.mass(lo[:, 3], hi[:, 3]).sum(axis=1)
    revenue[:, 3] = np.where(lo[:, 3] <= hi[:, 3], revenue[:, 3], 0.0)

    dollars = target_lines * _MEAN_LINE / revenue.sum()
    revenue *= dollars
    annual *= dollars
    revenue = np.where(revenue > 0, np.maximum(revenue, 1_200.0), 0.0)

    owner = rng.integers(0, len(ACCOUNT_MANAGERS), n).astype(np.int64)
    owner[0], owner[1] = 0, 1
    combos = rng.permutation(len(_BRAND_WORDS) * len(_BRAND_PRODUCTS))[:n]
    products = len(_BRAND_PRODUCTS)
    names = [f"{_BRAND_WORDS[c // products]} {_BRAND_PRODUCTS[c % products][0]}" for c in combos]
    industry = [_BRAND_PRODUCTS[c % products][1] for c in combos]
    ids = _ids("CUS-", np.arange(1, n + 1, dtype=np.int64), 5)
    return _Customers(ids, names, industry, created, owner, revenue, lo, hi, annual)


# -- supplier plan --------------------------------------------------------------------------------
_SUPPLIERS = 150
_SUPPLIERS_AT_START = 30


@dataclass(frozen=True)
class _Suppliers:
    ids: pa.Array
    names: list[str]
    event_type: list[str]
    listed: Ints
    """First-listed epoch day, ascending (suppliers are numbered in listing order)."""
    weight: Floats
    """Share of payouts per supplier and year, shape (n, 4); 0 once a supplier has churned."""


def _plan_suppliers(seed: int, years: list[_Year], end_day: int) -> _Suppliers:
    rng = _rng(seed, 2)
    start = years[0].first
    n = _SUPPLIERS
    listed = np.concatenate([
        start - rng.integers(1, 730, _SUPPLIERS_AT_START),
        start + rng.integers(0, max(1, end_day - start + 1), n - _SUPPLIERS_AT_START),
    ]).astype(np.int64)
    listed = np.minimum(np.sort(listed), end_day)
    size = rng.lognormal(0.0, 1.1, n)
    weight = np.zeros((n, 4))
    alive = np.ones(n, dtype=bool)
    listed_year = np.searchsorted([y.first for y in years[1:4]], listed, side="right")
    for y in years[:4]:
        # a supplier may stop hosting from the year after it was listed; the first ten stay
        churn = (listed_year < y.index) & (rng.random(n) < 0.2)
        churn[:10] = False
        alive &= ~churn
        weight[:, y.index] = np.where(alive & (listed <= y.last), size, 0.0)
    combos = rng.permutation(len(_PLACES) * len(_VENUES))[:n]
    names = [f"{_PLACES[c // len(_VENUES)]} {_VENUES[c % len(_VENUES)][0]}" for c in combos]
    event_type = [_VENUES[c % len(_VENUES)][1] for c in combos]
    ids = _ids("SUP-", np.arange(1, n + 1, dtype=np.int64), 4)
    return _Suppliers(ids, names, event_type, listed, weight)


# -- the whole company ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Quarter:
    start: int
    stop: int
    year: int
    number: int
    plan_index: int
    """Index into _QUOTA_PLAN (0..3 for the data's years, 4 for the year after)."""

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.number}"


class _Company:
    def __init__(self, rows: int, seed: int, end: date) -> None:
        self.seed = seed
        self.end_day = _day(end)
        self.years = [_calendar(i, end.year - 3 + i, _QUARTER_SHARE[i], self.end_day)
                      for i in range(4)]
        # customers, suppliers, quotas, the P&L (months x accounts), contracts, monthly inputs
        fixed = 150 + _SUPPLIERS + 3 * 17 + 12 * 46 + 240 + 2 * 46
        self.lines = max(200.0, (rows - fixed) / _ROWS_PER_LINE)
        self.customers = _plan_customers(seed, self.years, self.lines)
        self.suppliers = _plan_suppliers(seed, self.years, self.end_day)
        self.quarters = self._quarters(end)
        self.quota = self._quota()
        self.campaigns = self._campaigns()
        self.counters = {"inv": 0, "cm": 0, "pmt": 0, "bill": 0, "vc": 0, "deal": 0, "ad": 0,
                         "ctr": 0}
        self.books: list[tuple[Ints, Ints, Ints]] = []
        """(epoch days, account numbers, signed cents) of every line that reaches the P&L."""
        self.qbo_invoices: list[tuple[Ints, Ints, Ints]] = []
        """(invoice numbers, invoice days, totals in cents) per year, for the platform export."""
        self.qbo_bills: list[tuple[Ints, Ints, Ints, Ints, Bools]] = []
        """(bill numbers, bill days, totals in cents, supplier, unlinked) per year."""
        self.gmv_lines: list[tuple[Ints, Ints, Ints, Ints, int]] = []
        """(invoice numbers, line numbers, invoice days, cents, year index) of every GMV
        invoice line, per year: the platform's line items name the organiser of each."""

    # -- plans ------------------------------------------------------------------------------------
    def _quarters(self, end: date) -> list[_Quarter]:
        """Every quarter from the first of the data up to the one after `end`'s quarter."""
        first_year = end.year - 3
        last = 12 + (end.month - 1) // 3 + 1
        out: list[_Quarter] = []
        for i in range(last + 1):
            year, q = first_year + i // 4, i % 4
            start = date(year, 3 * q + 1, 1)
            stop = date(year + 1, 1, 1) if q == 3 else date(year, 3 * q + 4, 1)
            out.append(_Quarter(_day(start), _day(stop), year, q + 1, year - first_year))
        return out

    def _quota(self) -> Floats:
        """Quota in dollars per quarter and seller."""
        dollars_per_unit = self.customers.revenue[:, 2].sum() / _YEAR_BILLINGS[2]
        quota = np.zeros((len(self.quarters), len(SELLERS)))
        for k, q in enumerate(self.quarters):
            total = _QUOTA_PLAN[q.plan_index] * _QUOTA_QUARTER[q.number - 1] * dollars_per_unit
            quota[k] = np.round(total * _SELLER_QUOTA_SHARE / 1000.0) * 1000.0
        return quota

    def _campaigns(self) -> list[list[tuple[str, int]]]:
        """Ad campaigns per year index (0..3): (name, channel)."""
        total_days = self.end_day - self.years[0].first + 1
        ads = self.lines * _ADS_PER_LINE
        per_channel = max(2, int(np.ceil(ads / (total_days * len(_CHANNELS)) * 1.25)))
        out: list[list[tuple[str, int]]] = []
        for y in self.years:
            camps: list[tuple[str, int]] = []
            for c, channel in enumerate(_CHANNELS):
                for k in range(per_channel):
                    themes = len(_CAMPAIGN_THEMES)
                    theme = _CAMPAIGN_THEMES[(k + c + y.index) % themes]
                    suffix = f"_{k // themes + 1}" if k >= themes else ""
                    camps.append((f"{channel}_{theme}_{y.year}{suffix}", c))
            out.append(camps)
        return out

    def _next(self, counter: str, n: int) -> Ints:
        first = self.counters[counter] + 1
        self.counters[counter] += n
        return np.arange(first, first + n, dtype=np.int64)

    # -- output -----------------------------------------------------------------------------------
    def tables(self) -> Iterator[SampleTable]:
        yield from self._customers_table()
        yield from self._suppliers_table()
        yield from self._quotas_table()
        for y in self.years:
            yield from self._year(y)
        for chunk in sorted({q.plan_index for q in self.quarters} - {0, 1, 2, 3}):
            yield from self._deals(chunk)
        yield from self._platform_invoices()
        yield from self._platform_invoice_lines()
        yield from self._remittances()
        yield from self._profit_and_loss()
        yield from self._contracts()
        yield from self._factoring()
        yield from self._monthly_finance()

    def _customers_table(self) -> Iterator[SampleTable]:
        c = self.customers
        n = len(c.names)
        owner = _pick(ACCOUNT_MANAGERS, c.owner)
        yield from _batches("customers", "hubspot", "id", pa.table({
            "id": c.ids, "name": pa.array(c.names, pa.string()),
            "created_date": _dates(c.created), "industry": pa.array(c.industry, pa.string()),
            "department": _const("demand", n), "owner_id": owner, "client_id": c.ids,
        }))

    def _suppliers_table(self) -> Iterator[SampleTable]:
        s = self.suppliers
        n = len(s.names)
        yield from _batches("suppliers", "platform", "id", pa.table({
            "id": s.ids, "name": pa.array(s.names, pa.string()),
            "first_listed_date": _dates(s.listed),
            "event_type": pa.array(s.event_type, pa.string()),
            "department": _const("supply", n), "client_id": s.ids,
        }))

    def _quotas_table(self) -> Iterator[SampleTable]:
        ids, owners, starts, cents = [], [], [], []
        for k, q in enumerate(self.quarters):
            for s, seller in enumerate(SELLERS):
                ids.append(f"QTA-{q.year}Q{q.number}-{seller}")
                owners.append(seller)
                starts.append(q.start)
                cents.append(int(np.rint(self.quota[k, s] * 100)))
        n = len(ids)
        yield from _batches("quotas", "hubspot", "id", pa.table({
            "id": pa.array(ids, pa.string()), "owner_id": pa.array(owners, pa.string()),
            "period_start": _dates(np.array(starts, dtype=np.int64)),
            "quota": _money(np.array(cents, dtype=np.int64)),
            "department": _const("demand", n),
        }))

    def _year(self, y: _Year) -> Iterator[SampleTable]:
        gmv_by_month = yield from self._invoices(y)
        yield from self._bills(y, gmv_by_month)
        yield from self._deals(y.index)
        yield from self._ads(y)

    # -- demand side: invoices, credit memos, payments --------------------------------------------
    def _invoices(self, y: _Year) -> Generator[SampleTable, None, Floats]:
        """Yields invoice lines, credit memo lines and payments; returns GMV cents per month."""
        rng = _rng(self.seed, 10, y.index)
        c = self.customers
        n_cust = len(c.names)
        plan = c.revenue[:, y.index]
        buying = np.flatnonzero(plan > 0)
        if len(buying) == 0:
            empty: Floats = np.zeros(12)
            return empty
        per_customer = np.maximum(1, np.rint(plan[buying] / _MEAN_LINE)).astype(np.int64)
        cust = np.repeat(buying, per_customer).astype(np.int64)
        lo, hi = c.lo[cust, y.index], c.hi[cust, y.index]
        day = y.sample(lo, hi, _stratified(rng, cust, n_cust))
        order = np.lexsort((day, cust))
        cust, day = cust[order], day[order]
        n = len(cust)

        # group consecutive lines of one customer into invoices (2.2 lines each on average)
        starts = np.ones(n, dtype=bool)
        starts[1:] = cust[1:] != cust[:-1]
        lines_of = per_customer[np.searchsorted(buying, cust)]
        wanted = np.maximum(1, np.rint(lines_of / _LINES_PER_INVOICE)).astype(np.int64)
        order = np.lexsort((rng.random(n), starts, cust))
        rank = np.empty(n, dtype=np.int64)
        group_start = np.flatnonzero(starts)
        rank[order] = np.arange(n) - np.repeat(group_start, np.diff(np.append(group_start, n)))
        brk = starts | (rank < wanted - 1)
        inv = np.cumsum(brk) - 1
        first = np.flatnonzero(brk)
        n_inv = len(first)
        inv_day, inv_cust = day[first], cust[first]
        day = inv_day[inv]
        line_no = np.arange(n) - first[inv] + 1
        lines_in_inv = np.bincount(inv, minlength=n_inv)

        # amounts: scaled so each customer's quarter gets exactly its planned share
        base = np.clip(rng.lognormal(np.log(2_600.0), 0.85, n), 650.0, 40_000.0)
        quarter = y.quarter_of(day)
        key = cust * 4 + quarter
        present = np.bincount(key, minlength=n_cust * 4).reshape(n_cust, 4) > 0
        target = self._quarter_plan(y, plan, present)
        base_sum = np.bincount(key, weights=base, minlength=n_cust * 4).reshape(n_cust, 4)
        factor = np.divide(target, base_sum, out=np.zeros_like(target), where=base_sum > 0)
        amount = np.rint(base * factor[cust, quarter] * 100).astype(np.int64)
        account = _choice(rng, len(_GMV_ACCOUNTS), n, _GMV_ACCOUNT_P)
        inv_gmv: Floats = np.bincount(inv, weights=amount, minlength=n_inv).astype(np.float64)
        month = np.searchsorted(y.month_starts, day, side="right") - 1
        gmv_by_month: Floats = np.bincount(month, weights=amount, minlength=12).astype(np.float64)

        # discounts on some invoices (account 4190, negative)
        n_disc = round(0.15 * n_inv)
        disc_inv = np.sort(rng.choice(n_inv, n_disc, replace=False)).astype(np.int64)
        disc_amount = -np.rint(rng.uniform(0.05, 0.15, n_disc) * inv_gmv[disc_inv]).astype(np.int64)
        inv_total = np.rint(inv_gmv).astype(np.int64)
        inv_total[disc_inv] += disc_amount

        inv_no = self._next("inv", n_inv)
        terms = np.array([30, 15, 45, 60])[_choice(rng, 4, n_inv, np.array([0.7, 0.1, 0.1, 0.1]))]
        inv_due = inv_day + terms

        all_inv = np.concatenate([inv, disc_inv])
        all_line = np.concatenate([line_no, lines_in_inv[disc_inv] + 1])
        all_account = np.concatenate([account, np.full(n_disc, len(_GMV_ACCOUNTS))])
        all_amount = np.concatenate([amount, disc_amount])
        order = np.lexsort((all_line, all_inv))
        all_inv, all_line = all_inv[order], all_line[order]
        all_account, all_amount = all_account[order], all_amount[order]
        line_cust = inv_cust[all_inv]
        self.books.append((inv_day[all_inv], _INCOME_CODES[all_account], all_amount))
        self.qbo_invoices.append((inv_no, inv_day, inv_total))
        self.gmv_lines.append((inv_no[inv], line_no, day, amount, y.index))
        customer_id = c.ids.take(pa.array(line_cust))
        yield from _batches("invoice_lines", "quickbooks", "id", pa.table({
            "id": _ids("INV-", inv_no[all_inv], 7, all_line),
            "invoice_id": _ids("INV-", inv_no[all_inv], 7),
            "customer_id": customer_id,
            "txn_date": _dates(inv_day[all_inv]),
            "due_date": _dates(inv_due[all_inv]),
            "account_number": _pick((*_GMV_ACCOUNTS, _DISCOUNT_ACCOUNT), all_account),
            "amount": _money(all_amount),
            "department": _const("demand", len(all_inv)),
            "owner_id": _pick(ACCOUNT_MANAGERS, c.owner[line_cust]),
            "client_id": customer_id,
        }))
        del customer_id, all_inv, all_line, all_account, all_amount, order

        yield from self._credit_memos(rng, y, inv_day, inv_cust, inv_gmv)
        yield from self._payments(rng, inv_no, inv_day, inv_due, inv_cust, inv_total, terms)
        return gmv_by_month

    def _quarter_plan(self, y: _Year, plan: Floats, present: Bools) -> Floats:
        """Planned GMV per customer and quarter: each customer's year total exactly, and the
        year's quarter split as closely as the quarters each customer has lines in allow."""
        c = self.customers
        mass = y.mass(c.lo[:, y.index], c.hi[:, y.index])
        total = mass.sum(axis=1, keepdims=True)
        spread = plan[:, None] * np.divide(mass, total, out=np.zeros_like(mass), where=total > 0)
        if y.index < 3:
            quarters = np.asarray(_QUARTER_SHARE[y.index]) * plan.sum()
        else:
            quarters = spread.sum(axis=0)
        target: Floats = spread * present
        for _ in range(50):  # iterative proportional fitting: quarters, then customers
            col = target.sum(axis=0)
            target *= np.divide(quarters, col, out=np.ones(4), where=col > 0)[None, :]
            row = target.sum(axis=1)
            target *= np.divide(plan, row, out=np.zeros_like(plan), where=row > 0)[:, None]
        return target

    def _credit_memos(self, rng: np.random.Generator, y: _Year, inv_day: Ints, inv_cust: Ints,
                      inv_gmv: Floats) -> Iterator[SampleTable]:
        n_inv = len(inv_day)
        k = round(0.05 * n_inv)
        chosen = np.sort(rng.choice(n_inv, k, replace=False)).astype(np.int64)
        memo_day = inv_day[chosen] + rng.integers(5, 61, k)
        keep = memo_day <= self.end_day
        chosen, memo_day = chosen[keep], memo_day[keep]
        k = len(chosen)
        if k == 0:
            return
        credited = rng.uniform(0.3, 0.9, k) * inv_gmv[chosen]
        two = rng.random(k) < 0.3
        memo = np.repeat(np.arange(k), np.where(two, 2, 1))
        line = np.ones(len(memo), dtype=np.int64)
        line[1:][memo[1:] == memo[:-1]] = 2
        share = np.where(two[memo], np.where(line == 1, 0.6, 0.4), 1.0)
        amount = np.rint(credited[memo] * share).astype(np.int64)
        memo_no = self._next("cm", k)
        cust = inv_cust[chosen][memo]
        memo_account = _choice(rng, len(_GMV_ACCOUNTS), len(memo), _GMV_ACCOUNT_P)
        self.books.append((memo_day[memo], _INCOME_CODES[memo_account], -amount))
        c = self.customers
        customer_id = c.ids.take(pa.array(cust))
        yield from _batches("credit_memo_lines", "quickbooks", "id", pa.table({
            "id": _ids("CM-", memo_no[memo], 6, line),
            "credit_memo_id": _ids("CM-", memo_no[memo], 6),
            "customer_id": customer_id,
            "txn_date": _dates(memo_day[memo]),
            "account_number": _pick(_GMV_ACCOUNTS, memo_account),
            "amount": _money(amount),
            "department": _const("demand", len(memo)),
            "owner_id": _pick(ACCOUNT_MANAGERS, c.owner[cust]),
            "client_id": customer_id,
        }))

    def _payments(self, rng: np.random.Generator, inv_no: Ints, inv_day: Ints, inv_due: Ints,
                  inv_cust: Ints, inv_total: Ints, terms: Ints) -> Iterator[SampleTable]:
        n_inv = len(inv_no)
        # payment behaviour: within 7 days, by the due date, late, part-paid, unpaid
        shares = np.array([0.27, 0.38, 0.24, 0.03, 0.08])
        bounds = np.rint(np.cumsum(shares) * n_inv).astype(np.int64)
        kind = np.searchsorted(bounds, rng.permutation(n_inv), side="right").astype(np.int64)
        pay_day = np.select(
            [kind == 0, kind == 1, kind == 2, kind == 3],
            [inv_day + rng.integers(0, 8, n_inv),
             inv_day + 8 + np.floor(rng.random(n_inv) * (terms - 7)).astype(np.int64),
             inv_due + rng.integers(1, 76, n_inv),
             inv_day + rng.integers(10, 90, n_inv)],
            default=0,
        )
        paid = np.where(kind == 3, np.rint(rng.uniform(0.4, 0.8, n_inv) * inv_total),
                        inv_total).astype(np.int64)
        payer = np.flatnonzero(kind < 4)
        split = payer[(rng.random(len(payer)) < 0.08) & (kind[payer] < 3)]
        first_day = inv_day[split] + np.floor(
            rng.random(len(split)) * (pay_day[split] - inv_day[split] + 1)).astype(np.int64)
        first_amount = paid[split] // 2
        p_inv = np.concatenate([payer, split])
        p_day = np.concatenate([pay_day[payer], first_day])
        p_amount = np.concatenate([paid[payer], first_amount])
        p_amount[: len(payer)][np.isin(payer, split)] -= first_amount
        keep = p_day <= self.end_day
        p_inv, p_day, p_amount = p_inv[keep], p_day[keep], p_amount[keep]
        order = np.lexsort((p_day, p_inv))
        p_inv, p_day, p_amount = p_inv[order], p_day[order], p_amount[order]
        n = len(p_inv)
        if n == 0:
            return
        customer_id = self.customers.ids.take(pa.array(inv_cust[p_inv]))
        yield from _batches("payments", "quickbooks", "id", pa.table({
            "id": _ids("PMT-", self._next("pmt", n), 7),
            "invoice_id": _ids("INV-", inv_no[p_inv], 7),
            "customer_id": customer_id,
            "payment_date": _dates(p_day),
            "amount": _money(p_amount),
            "department": _const("finance", n),
            "client_id": customer_id,
        }))

    # -- supply side: bills and vendor credits ----------------------------------------------------
    def _bills(self, y: _Year, gmv_by_month: Floats) -> Iterator[SampleTable]:
        """Organiser bills: each month's payouts are a fixed share of that month's GMV."""
        rng = _rng(self.seed, 20, y.index)
        payout = gmv_by_month * _PAYOUT_RATIO[y.index]
        n_lines_m = np.where(payout > 0, np.maximum(1, np.rint(payout / (_MEAN_BILL_LINE * 100))),
                             0).astype(np.int64)
        n_bills_m = np.where(n_lines_m > 0, np.maximum(1, np.rint(n_lines_m / 1.5)), 0)
        bill_m = np.repeat(np.arange(12), n_bills_m.astype(np.int64)).astype(np.int64)
        nb = len(bill_m)
        if nb == 0:
            return
        ms = y.month_starts
        lo = ms[bill_m]
        hi = np.minimum(ms[bill_m + 1] - 1, y.last)
        bill_day = y.sample(lo, hi, rng.random(nb))
        bill_day = np.where(lo <= hi, bill_day, lo)

        s = self.suppliers
        supplier, listed = self._pick_suppliers(rng, bill_day, y.index)
        unlinked = (rng.random(nb) < _UNLINKED[y.index]) | ~listed

        lines_per_bill = 1 + _choice(rng, 3, nb, np.array([0.6, 0.3, 0.1]))
        bill = np.repeat(np.arange(nb), lines_per_bill).astype(np.int64)
        n = len(bill)
        line = np.arange(n) - np.repeat(np.cumsum(lines_per_bill) - lines_per_bill,
                                        lines_per_bill) + 1
        base = np.clip(rng.lognormal(np.log(2_200.0), 0.9, n), 200.0, 40_000.0)
        line_m = bill_m[bill]
        factor = payout / np.maximum(np.bincount(line_m, weights=base, minlength=12), 1e-9)
        amount = np.rint(base * factor[line_m]).astype(np.int64)
        account = _choice(rng, len(_PAYOUT_ACCOUNTS), n, _PAYOUT_ACCOUNT_P)

        terms = np.where(rng.random(nb) < 0.8, 30, 15)
        due = bill_day + terms
        age = self.end_day - bill_day
        u = rng.random(nb)
        paid = np.where(due > self.end_day, u < 0.35, np.where(age <= 75, u < 0.85, u < 0.985))
        open_status = np.where(
            due > self.end_day,
            1 + _choice(rng, 4, nb, np.array([0.5, 0.35, 0.1, 0.05])),
            np.where(age <= 75, 1 + _choice(rng, 4, nb, np.array([0.35, 0.35, 0.2, 0.1])),
                     1 + _choice(rng, 4, nb, np.array([0.05, 0.15, 0.45, 0.35]))),
        )
        status = np.where(paid, 0, open_status).astype(np.int64)

        bill_no = self._next("bill", nb)
        self.books.append((bill_day[bill], _PAYOUT_CODES[account], amount))
        self.qbo_bills.append((bill_no, bill_day, np.bincount(bill, weights=amount, minlength=nb)
                               .astype(np.int64), supplier, unlinked))
        supplier_id = s.ids.take(pa.array(supplier[bill], mask=unlinked[bill]))
        yield from _batches("bill_lines", "quickbooks", "id", pa.table({
            "id": _ids("BILL-", bill_no[bill], 7, line),
            "bill_id": _ids("BILL-", bill_no[bill], 7),
            "supplier_id": supplier_id,
            "txn_date": _dates(bill_day[bill]),
            "due_date": _dates(due[bill]),
            "account_number": _pick(_PAYOUT_ACCOUNTS, account),
            "amount": _money(amount),
            "bill_pay_status": _pick(_BILL_STATUSES, status[bill]),
            "department": _const("supply", n),
            "client_id": supplier_id,
        }))
        del supplier_id

        # vendor credits against a few bill lines
        k = round(0.03 * n)
        chosen = np.sort(rng.choice(n, k, replace=False)).astype(np.int64)
        vc_day = bill_day[bill[chosen]] + rng.integers(3, 46, k)
        keep = vc_day <= self.end_day
        chosen, vc_day = chosen[keep], vc_day[keep]
        k = len(chosen)
        if k == 0:
            return
        vc_amount = np.rint(rng.uniform(0.2, 0.8, k) * amount[chosen]).astype(np.int64)
        vc_no = self._next("vc", k)
        self.books.append((vc_day, _PAYOUT_CODES[account[chosen]], -vc_amount))
        supplier_id = s.ids.take(pa.array(supplier[bill[chosen]], mask=unlinked[bill[chosen]]))
        yield from _batches("vendor_credit_lines", "quickbooks", "id", pa.table({
            "id": _ids("VC-", vc_no, 6, np.ones(k, dtype=np.int64)),
            "vendor_credit_id": _ids("VC-", vc_no, 6),
            "bill_id": _ids("BILL-", bill_no[bill[chosen]], 7),
            "supplier_id": supplier_id,
            "txn_date": _dates(vc_day),
            "account_number": _pick(_PAYOUT_ACCOUNTS, account[chosen]),
            "amount": _money(vc_amount),
            "department": _const("supply", k),
            "client_id": supplier_id,
        }))

    # -- pipeline: deals --------------------------------------------------------------------------
    def _deals(self, chunk: int) -> Iterator[SampleTable]:
        """Deals whose close date falls in the quarters of plan year `chunk`."""
        ks = [k for k, q in enumerate(self.quarters) if q.plan_index == chunk]
        if not ks:
            return
        rng = _rng(self.seed, 30, chunk)
        total_quota = self.quota.sum()
        n_total = self.lines * _DEALS_PER_LINE
        coverage = _COVERAGE * np.exp(rng.normal(0.0, 0.05, len(ks)))
        groups_k: list[int] = []
        groups_s: list[int] = []
        counts: list[int] = []
        targets: list[float] = []
        for j, k in enumerate(ks):
            q = self.quarters[k]
            cov = coverage[j] if q.start <= self.end_day else _NEXT_QUARTER_COVERAGE
            mult = _SELLER_COVERAGE * rng.lognormal(0.0, 0.08, len(SELLERS))
            mult *= (self.quota[k] * _SELLER_COVERAGE).sum() / max(
                (self.quota[k] * mult).sum(), 1e-9)
            for s in range(len(SELLERS)):
                pipeline = cov * mult[s] * self.quota[k, s]
                groups_k.append(k)
                groups_s.append(s)
                targets.append(pipeline)
                counts.append(max(2, round(n_total * self.quota[k, s] / total_quota)))
        gk = np.repeat(np.array(groups_k), counts).astype(np.int64)
        gs = np.repeat(np.array(groups_s), counts).astype(np.int64)
        grp = np.repeat(np.arange(len(counts)), counts).astype(np.int64)
        n = len(grp)
        q_start = np.array([q.start for q in self.quarters], dtype=np.int64)[gk]
        q_stop = np.array([q.stop for q in self.quarters], dtype=np.int64)[gk]
        close = q_start + np.floor(rng.random(n) * (q_stop - q_start)).astype(np.int64)
        in_pipe = rng.random(n) < 0.8
        first_of_group = np.ones(n, dtype=bool)
        first_of_group[1:] = grp[1:] != grp[:-1]
        in_pipe |= first_of_group
        create = np.where(
            in_pipe, q_start - rng.integers(1, 151, n),
            q_start + np.floor(rng.random(n) * (close - q_start + 1)).astype(np.int64))
        create = np.where(in_pipe & (create > self.end_day),
                          self.end_day - rng.integers(0, 21, n), create)
        base = np.clip(rng.lognormal(np.log(30_000.0), 0.9, n), 3_000.0, 600_000.0)
        pipe_sum = np.bincount(grp, weights=np.where(in_pipe, base, 0.0), minlength=len(counts))
        amount = np.rint(base * (np.array(targets) / np.maximum(pipe_sum, 1e-9))[grp])
        amount = np.maximum(amount, 500.0).astype(np.int64) * 100

        closed = close <= self.end_day
        won = closed & (rng.random(n) < 0.25)
        open_stage = _choice(rng, 5, n, np.array([0.25, 0.25, 0.2, 0.15, 0.15]))
        stage = np.where(closed, np.where(won, 5, 6), open_stage).astype(np.int64)

        # the company: won deals are always with a customer; others may be prospects
        c = self.customers
        year_index = np.minimum(chunk, 3)
        buyers = np.flatnonzero(c.revenue[:, year_index] > 0)
        if len(buyers) == 0:
            buyers = np.arange(len(c.names))
        is_customer = won | (rng.random(n) < 0.45)
        company = np.where(is_customer, rng.integers(0, len(buyers), n), 0)
        prospect = rng.integers(1, 601, n)

        funnel = _choice(rng, len(_FUNNELS), n, _FUNNEL_P)
        inbound = funnel == 0
        channel = _choice(rng, len(_CHANNELS), n, _CHANNEL_P)
        create_year = np.clip(np.searchsorted([y.first for y in self.years[1:]], create,
                                              side="right"), 0, 3)
        campaign_names = [name for camps in self.campaigns for name, _ in camps]
        per_channel = len(self.campaigns[0]) // len(_CHANNELS)
        pick = rng.integers(0, per_channel, n)
        campaign_index = create_year * len(self.campaigns[0]) + channel * per_channel + pick

        keep = create <= self.end_day
        idx = np.flatnonzero(keep)
        n = len(idx)
        if n == 0:
            return
        company_id = pc.if_else(
            pa.array(is_customer[idx]),
            c.ids.take(pa.array(buyers[company[idx]])),
            _ids("PRS-", prospect[idx], 5),
        )
        labels = [q.label for q in self.quarters]
        deal_name = pc.binary_join_element_wise(
            _pick(_PROGRAMS, rng.integers(0, len(_PROGRAMS), len(grp))[idx]),
            _pick(labels, gk[idx]), " ")
        seconds = rng.integers(13 * 3600, 23 * 3600, len(grp))[idx]
        not_inbound = ~inbound[idx]
        first_touch, last_touch = _touches(_rng(self.seed, 31, chunk), funnel[idx])
        yield from _batches("deals", "hubspot", "id", pa.table({
            "id": _ids("DEAL-", self._next("deal", n), 7),
            "company_id": company_id,
            "owner_id": _pick(SELLERS, gs[idx]),
            "deal_name": deal_name,
            "amount": _money(amount[idx]),
            "stage": _pick(_STAGES, stage[idx]),
            "stage_probability": _money(_STAGE_PROBABILITY[stage[idx]], 5),
            "create_date": _timestamps(create[idx] * _DAY_US + seconds * 1_000_000),
            "close_date": _dates(close[idx]),
            "department": _const("demand", n),
            "source_funnel": _pick(_FUNNELS, funnel[idx]),
            "utm_source": _pick(_CHANNELS, channel[idx], not_inbound),
            "utm_medium": _pick(("cpc",), np.zeros(n, dtype=np.int64), not_inbound),
            "utm_campaign": _pick(campaign_names, campaign_index[idx], not_inbound),
            "first_touch": _pick(_TOUCHES, first_touch),
            "last_touch": _pick(_TOUCHES, last_touch),
        }))

    # -- platform exports, manual inputs and the P&L ----------------------------------------------
    def _months(self) -> Ints:
        """Epoch days of every month start from the first year up to `end`'s month, and the
        start of the month after (length months + 1)."""
        starts = [int(m) for y in self.years for m in y.month_starts[:12] if m <= self.end_day]
        nxt = np.array([starts[-1]], dtype="datetime64[D]").astype("datetime64[M]") + 1
        return np.array([*starts, int(nxt.astype("datetime64[D]").astype(np.int64)[0])],
                        dtype=np.int64)

    def _monthly(self, days: Ints, cents: Ints, months: Ints) -> Ints:
        index = np.searchsorted(months, days, side="right") - 1
        out: Ints = np.bincount(index, weights=cents, minlength=len(months) - 1).astype(np.int64)
        return out

    def _platform_invoices(self) -> Iterator[SampleTable]:
        """The platform's own invoice export. Deliberate small differences from the books: about
        1% of invoices differ by a few cents (a rounding habit, a process issue), and invoices of
        the last two days have not reached the export yet (timing)."""
        rng = _rng(self.seed, 50)
        inv_no = np.concatenate([r[0] for r in self.qbo_invoices])
        day = np.concatenate([r[1] for r in self.qbo_invoices])
        total = np.concatenate([r[2] for r in self.qbo_invoices])
        keep = day < self.end_day - 1
        inv_no, day, total = inv_no[keep], day[keep], total[keep]
        n = len(inv_no)
        off = rng.random(n) < 0.01
        cents = rng.integers(1, 100, n) * np.where(rng.random(n) < 0.5, 1, -1)
        total = total + np.where(off, cents, 0)
        yield from _batches("platform_invoices", "platform", "id", pa.table({
            "id": _ids("INV-", inv_no, 7),
            "invoice_date": _dates(day),
            "total": _money(total),
            "department": _const("finance", n),
        }))

    def _pick_suppliers(self, rng: np.random.Generator, days: Ints,
                        year: int) -> tuple[Ints, Bools]:
        """A supplier for each day, weighted (by the year's weights) among the suppliers listed
        on or before it; the second array says whether any was listed by then."""
        s = self.suppliers
        cw = np.cumsum(s.weight[:, year])
        listed_before = np.searchsorted(s.listed, days, side="right")
        reach = np.where(listed_before > 0, cw[np.maximum(listed_before - 1, 0)], 0.0)
        supplier = np.searchsorted(cw, rng.random(len(days)) * reach, side="right")
        supplier = np.minimum(supplier, np.maximum(listed_before - 1, 0)).astype(np.int64)
        listed: Bools = reach > 0
        return supplier, listed

    def _platform_invoice_lines(self) -> Iterator[SampleTable]:
        """The platform's invoice line items: one per GMV line of the books, naming the
        organiser whose event it paid for (weighted like the bills among the organisers listed
        by then), so GMV and take rate can be told per supplier. Same timing gap as the invoice
        export: lines of the last two days are not in it yet."""
        rng = _rng(self.seed, 52)
        s = self.suppliers
        for inv_no, line_no, day, amount, year in self.gmv_lines:
            keep = day < self.end_day - 1
            inv_no, line_no, day, amount = inv_no[keep], line_no[keep], day[keep], amount[keep]
            n = len(day)
            if n == 0:
                continue
            supplier, listed = self._pick_suppliers(rng, day, year)
            supplier_id = s.ids.take(pa.array(supplier, mask=~listed))
            yield from _batches("platform_invoice_lines", "platform", "id", pa.table({
                "id": _ids("INV-", inv_no, 7, line_no),
                "invoice_id": _ids("INV-", inv_no, 7),
                "supplier_id": supplier_id,
                "event_date": _dates(day),
                "amount": _money(amount),
                "department": _const("supply", n),
                "client_id": supplier_id,
            }))
            del supplier_id

    def _remittances(self) -> Iterator[SampleTable]:
        """Remittances on the platform: one per linked organiser bill, naming the supplier it
        paid. Unlinked bills have none. About 0.5% differ from the bill by a few cents."""
        rng = _rng(self.seed, 51)
        bill_no = np.concatenate([r[0] for r in self.qbo_bills])
        day = np.concatenate([r[1] for r in self.qbo_bills])
        total = np.concatenate([r[2] for r in self.qbo_bills])
        supplier = np.concatenate([r[3] for r in self.qbo_bills])
        linked = ~np.concatenate([r[4] for r in self.qbo_bills])
        bill_no, day = bill_no[linked], day[linked]
        total, supplier = total[linked], supplier[linked]
        n = len(bill_no)
        off = rng.random(n) < 0.005
        total = total + np.where(off, rng.integers(1, 100, n), 0)
        supplier_id = self.suppliers.ids.take(pa.array(supplier))
        yield from _batches("remittance_lines", "platform", "id", pa.table({
            "id": _ids("REM-", bill_no, 7),
            "bill_id": _ids("BILL-", bill_no, 7),
            "supplier_id": supplier_id,
            "remitted_date": _dates(np.minimum(day + rng.integers(0, 4, n), self.end_day)),
            "amount": _money(total),
            "department": _const("supply", n),
            "client_id": supplier_id,
        }))

    def _profit_and_loss(self) -> Iterator[SampleTable]:
        """The P&L as the accounting system reports it: one row per month and account."""
        months = self._months()
        days = np.concatenate([b[0] for b in self.books])
        accounts = np.concatenate([b[1] for b in self.books])
        cents = np.concatenate([b[2] for b in self.books])
        codes = np.unique(accounts)
        month = np.searchsorted(months, days, side="right") - 1
        key = month * len(codes) + np.searchsorted(codes, accounts)
        sums = np.bincount(key, weights=cents, minlength=(len(months) - 1) * len(codes))
        used = np.bincount(key, minlength=len(sums)) > 0
        cell = np.flatnonzero(used)
        m, a = cell // len(codes), codes[cell % len(codes)]
        labels = [_month_label(int(d)) for d in months[m]]
        yield from _batches("profit_and_loss", "quickbooks", "id", pa.table({
            "id": pa.array([f"PL-{lab}-{acc}" for lab, acc in zip(labels, a, strict=True)],
                           pa.string()),
            "month": _dates(months[m]),
            "account_number": pa.array([str(x) for x in a], pa.string()),
            "amount": _money(np.rint(sums[cell]).astype(np.int64)),
            "department": _const("finance", len(cell)),
        }))

    def _contracts(self) -> Iterator[SampleTable]:
        """One contract a year per buying customer: a calendar-year commitment (from the day
        they became a customer) somewhat above what they go on to spend."""
        rng = _rng(self.seed, 52)
        c = self.customers
        cust_l: list[Ints] = []
        year_l: list[int] = []
        for y in self.years:
            buying = np.flatnonzero(c.revenue[:, y.index] > 0)
            cust_l.append(buying)
            year_l += [y.index] * len(buying)
        cust = np.concatenate(cust_l).astype(np.int64)
        yi = np.array(year_l, dtype=np.int64)
        n = len(cust)
        value = c.annual[cust, yi] * rng.uniform(1.0, 1.3, n)
        value = np.maximum(1_000.0, np.round(value / 1_000.0) * 1_000.0)
        start = c.lo[cust, yi]
        stop = np.array([y.stop for y in self.years], dtype=np.int64)[yi] - 1
        signed = np.minimum(start - rng.integers(7, 46, n), self.end_day)
        customer_id = c.ids.take(pa.array(cust))
        yield from _batches("contracts", "hubspot", "id", pa.table({
            "id": _ids("CTR-", self._next("ctr", n), 5),
            "customer_id": customer_id,
            "signed_date": _dates(signed),
            "start_date": _dates(start),
            "end_date": _dates(stop),
            "amount": _money(np.rint(value * 100).astype(np.int64)),
            "department": _const("demand", n),
            "owner_id": _pick(ACCOUNT_MANAGERS, c.owner[cust]),
            "client_id": customer_id,
        }))

    def _factoring_balances(self) -> Ints:
        months = self._months()[:-1]
        rng = _rng(self.seed, 53)
        month_of_year = months.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        use = _FACTORING_USE[month_of_year] * rng.uniform(0.93, 1.07, len(months))
        out: Ints = np.rint(_FACTORING_LIMIT * use / 100).astype(np.int64) * 100
        return out

    def _factoring(self) -> Iterator[SampleTable]:
        """The factor's monthly statement (a manual input): balance advanced, reserves held,
        the $1M limit and the month's fees."""
        months = self._months()
        balance = self._factoring_balances()
        n = len(balance)
        statement = np.minimum(months[1:] - 1, self.end_day)
        yield from _batches("factoring_statements", "manual", "id", pa.table({
            "id": pa.array([f"FAC-{_month_label(int(d))}" for d in months[:-1]],
                           pa.string()),
            "statement_date": _dates(statement),
            "balance": _money(balance),
            "reserves": _money(np.rint(balance * 0.12).astype(np.int64)),
            "facility_limit": _money(np.full(n, _FACTORING_LIMIT, dtype=np.int64)),
            "fees": _money(np.rint(balance * 0.0125).astype(np.int64)),
            "department": _const("finance", n),
        }))

    def _monthly_finance(self) -> Iterator[SampleTable]:
        """Finance's monthly inputs from the books and the plan (manual): cash at month end,
        current assets and liabilities, operating expenses, and the budgeted net revenue."""
        rng = _rng(self.seed, 54)
        months = self._months()
        n = len(months) - 1
        days = np.concatenate([b[0] for b in self.books])
        accounts = np.concatenate([b[1] for b in self.books])
        cents = np.concatenate([b[2] for b in self.books])
        payout = accounts >= 4200
        income = self._monthly(days[~payout], cents[~payout], months)
        paid_out = self._monthly(days[payout], cents[payout], months)
        net = income - paid_out
        year = np.searchsorted([y.first for y in self.years[1:]], months[:-1], side="right")
        full = months[1:] - 1 <= self.end_day
        opex = np.zeros(n)
        for yi in range(4):
            sel = (year == yi) & full
            base = net[sel].mean() if sel.any() else net[year == yi].mean() * 1.0
            opex[year == yi] = 1.06 * base
        opex *= rng.uniform(0.95, 1.05, n)
        budget = net * rng.uniform(0.97, 1.15, n)
        if not full[-1]:
            budget[-1] = budget[:-1][year[:-1] == year[-1]].mean() if (
                year[:-1] == year[-1]).any() else opex[-1]
            opex[-1] *= (self.end_day - months[-2] + 1) / (months[-1] - months[-2])
        balance = self._factoring_balances()
        cash = 12.0 * opex[0] + np.cumsum(net - opex)
        # receivables: the factored invoices (advanced at 85%) and half a month of billings
        assets = cash + balance / 0.85 + 0.5 * income
        liabilities = balance + 0.9 * paid_out + 0.3 * opex
        def cents_of(x: Floats) -> pa.Array:
            return _money(np.rint(x).astype(np.int64))
        yield from _batches("monthly_finance", "manual", "id", pa.table({
            "id": pa.array([f"FIN-{_month_label(int(d))}" for d in months[:-1]],
                           pa.string()),
            "month": _dates(months[:-1]),
            "cash_balance": cents_of(cash),
            "current_assets": cents_of(assets),
            "current_liabilities": cents_of(liabilities),
            "operating_expenses": cents_of(opex),
            "budget_net_revenue": cents_of(budget),
            "department": _const("finance", n),
        }))

    # -- marketing: ad spend ----------------------------------------------------------------------
    def _ads(self, y: _Year) -> Iterator[SampleTable]:
        rng = _rng(self.seed, 40, y.index)
        days = y.last - y.first + 1
        if days <= 0:
            return
        total_days = self.end_day - self.years[0].first + 1
        camps = self.campaigns[y.index]
        cells = days * len(camps)
        n = min(cells, max(1, round(self.lines * _ADS_PER_LINE * days / total_days)))
        cell = np.sort(rng.choice(cells, n, replace=False)).astype(np.int64)
        spend_day = y.first + cell // len(camps)
        camp = cell % len(camps)
        channel = np.array([ch for _, ch in camps], dtype=np.int64)[camp]
        spend = _CHANNEL_SPEND[channel] * rng.lognormal(0.0, 0.45, n)
        clicks = rng.poisson(spend / _CHANNEL_CPC[channel])
        leads = rng.binomial(clicks, _CHANNEL_CONVERSION[channel])
        campaign = _pick([name for name, _ in camps], camp)
        yield from _batches("ad_spend", "ads", "id", pa.table({
            "id": _ids("AD-", self._next("ad", n), 7),
            "spend_date": _dates(spend_day),
            "channel": _pick(_CHANNELS, channel),
            "campaign": campaign,
            "spend": _money(np.rint(spend * 100).astype(np.int64)),
            "clicks": pa.array(clicks.astype(np.int64)),
            "leads": pa.array(leads.astype(np.int64)),
            "department": _const("marketing", n),
            "utm_source": _pick(_CHANNELS, channel),
            "utm_medium": _const("cpc", n),
            "utm_campaign": campaign,
        }))


def generate(rows: int = 20_000, seed: int = 7, end: date | None = None) -> Iterator[SampleTable]:
    """Yield the sample marketplace's ledger batches (about `rows` rows in all).

    History runs from 1 January three years before `end`'s year up to `end` (default: today)."""
    if rows < 1_000:
        raise ValueError("the marketplace sample needs at least 1,000 rows")
    company = _Company(rows, seed, end or date.today())
    yield from company.tables()
