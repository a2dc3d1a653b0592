-- pnl (model) on duckdb: scripts/golden_sql.py
/* The P&L lines the checks and metrics read: month, account number, account and amount (income */
/* and costs positive). Built from the books where QuickBooks' chart of accounts and lines are */
/* loaded, otherwise the P&L as the accounting system reports it (profit_and_loss), loaded by */
/* hand or read from QuickBooks' report. */
SELECT
  month,
  account_number,
  account_name AS account,
  amount,
  'books' AS built_from
FROM pnl_by_account_month;
