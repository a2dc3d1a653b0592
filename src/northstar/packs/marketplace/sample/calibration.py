"""The sample company's people and calibration: who sells and manages accounts, how billings
spread over years and quarters, line sizes, and the accounts the books use."""

from __future__ import annotations

import numpy as np

__all__ = ["ACCOUNT_MANAGERS", "ADS_PER_LINE", "BILL_STATUSES", "COVERAGE", "DEALS_PER_LINE",
           "DISCOUNT_ACCOUNT", "GMV_ACCOUNTS", "GMV_ACCOUNT_P", "INCOME_CODES", "LINES_PER_INVOICE",
           "MEAN_BILL_LINE", "MEAN_LINE", "NEXT_QUARTER_COVERAGE", "PAYOUT_ACCOUNTS",
           "PAYOUT_ACCOUNT_P", "PAYOUT_CODES", "PAYOUT_RATIO", "QUARTER_SHARE", "QUOTA_PLAN",
           "QUOTA_QUARTER", "ROWS_PER_LINE", "SELLERS", "SELLER_COVERAGE", "SELLER_QUOTA_SHARE",
           "UNLINKED", "YEAR_BILLINGS"]


# -- people (ids from people.yml) -----------------------------------------------------------------
SELLERS: tuple[str, ...] = ("sam_whitaker", "riley_chen", "nora_fitzgerald")
"""Quota-carrying sellers: they own the deals."""
SELLER_QUOTA_SHARE = np.array([0.30, 0.37, 0.33])
SELLER_COVERAGE = np.array([1.05, 0.92, 1.04])
ACCOUNT_MANAGERS: tuple[str, ...] = ("teresa_vance", "marcus_bell", "elena_petrova")
"""Account managers: each customer account has one, the invoice lines' `owner_id`."""

# -- calibration ----------------------------------------------------------------------------------
YEAR_BILLINGS = (6.2, 6.88, 8.0, 8.6)
"""Relative customer billings per year (year 3 is the current year's annual run rate)."""
QUARTER_SHARE = (
    (0.22, 0.25, 0.27, 0.26),
    (0.24, 0.28, 0.30, 0.18),
    (0.26, 0.32, 0.31, 0.11),
    (0.26, 0.32, 0.31, 0.11),
)
"""Share of a year's billings invoiced in each quarter: Q4 fades from 26% to 11%."""
PAYOUT_RATIO = (0.69, 0.675, 0.66, 0.655)
"""Organiser payouts (bills) as a share of the month's GMV."""
UNLINKED = (0.035, 0.025, 0.015, 0.01)
"""Share of bills not linked to a supplier on the platform (falls as linking improves)."""
QUOTA_PLAN = (6.4, 7.2, 8.0, 8.9, 9.6)
"""Relative annual quota per year (index 4: the year after `end`, for the next quarter)."""
QUOTA_QUARTER = (0.23, 0.26, 0.27, 0.24)
COVERAGE = 3.9
"""Unweighted pipeline entering a quarter, as a multiple of its quota."""
NEXT_QUARTER_COVERAGE = 2.6

MEAN_LINE = 4_000.0
"""Average invoice line in dollars; rows scale the number of lines, not their size."""
MEAN_BILL_LINE = 3_300.0
LINES_PER_INVOICE = 2.2
DEALS_PER_LINE = 0.42
ADS_PER_LINE = 0.06
ROWS_PER_LINE = 6.70
"""Ledger rows generated per GMV invoice line (all tables but the small fixed ones; about 1.3 of
them are deal property history)."""

GMV_ACCOUNTS = ("4110", "4120", "4130", "4140", "4150", "4160", "4169")
GMV_ACCOUNT_P = np.array([0.34, 0.16, 0.20, 0.10, 0.08, 0.07, 0.05])
DISCOUNT_ACCOUNT = "4190"
PAYOUT_ACCOUNTS = ("4200", "4210", "4220", "4230")
PAYOUT_ACCOUNT_P = np.array([0.55, 0.2, 0.15, 0.1])

INCOME_CODES = np.array([int(a) for a in (*GMV_ACCOUNTS, DISCOUNT_ACCOUNT)], dtype=np.int64)
PAYOUT_CODES = np.array([int(a) for a in PAYOUT_ACCOUNTS], dtype=np.int64)
BILL_STATUSES = ("Paid", "Approved", "Pending", "W-9 Missing", "Not Onboarded")
