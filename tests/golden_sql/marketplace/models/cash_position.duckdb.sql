-- cash_position (model) on duckdb: scripts/golden_sql.py
/* Cash and working capital at each month end: from the balance sheet built from the books */
/* where they are loaded, otherwise from finance's monthly close (monthly_finance). */
SELECT
  month,
  cash,
  current_assets,
  current_liabilities,
  current_assets - current_liabilities AS working_capital,
  'books' AS built_from
FROM balance_sheet_totals;
