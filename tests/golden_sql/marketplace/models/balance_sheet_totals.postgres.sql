-- balance_sheet_totals (model) on postgres: scripts/golden_sql.py
/* The balance sheet's totals at each month end: assets, liabilities, equity (with the profit */
/* or loss to date), current assets and current liabilities (the working capital lines), and */
/* cash (bank accounts). */
SELECT
  b.month,
  CAST(SUM(CASE WHEN b.classification = 'Asset' THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS assets,
  CAST(SUM(CASE WHEN b.classification = 'Liability' THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS liabilities,
  CAST(SUM(CASE WHEN b.classification = 'Equity' THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS equity,
  CAST(SUM(CASE WHEN a.is_current_asset THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS current_assets,
  CAST(SUM(CASE WHEN a.is_current_liability THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS current_liabilities,
  CAST(SUM(CASE WHEN a.is_cash THEN b.balance ELSE 0 END) AS DECIMAL(18, 2)) AS cash
FROM balance_sheet AS b
LEFT JOIN ledger_accounts AS a
  ON a.account_id = b.account_id
GROUP BY
  b.month;
