-- pnl_by_account_month (model) on postgres: scripts/golden_sql.py
/* The P&L built from the books: one row per month and P&L account (classification Revenue or */
/* Expense), in the report's signs: income positive when credited, costs positive when debited */
/* (a discount on an income account, a vendor credit on a cost account, come out negative). */
SELECT
  month,
  account_id,
  account_number,
  MAX(account_name) AS account_name,
  MAX(classification) AS classification,
  MAX(account_type) AS account_type,
  CAST(SUM(CASE WHEN classification = 'Revenue' THEN -amount ELSE amount END) AS DECIMAL(18, 2)) AS amount
FROM gl_entries
WHERE
  classification IN ('Revenue', 'Expense') AND NOT month IS NULL
GROUP BY
  month,
  account_id,
  account_number;
