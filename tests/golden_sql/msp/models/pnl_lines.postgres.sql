-- pnl_lines (model) on postgres: scripts/golden_sql.py
/* The Profit & Loss by month, one row per account and month, with the QBR category of each */
/* account (the account categories reference list, by the account's full name). Amounts are */
/* as the report prints them: income and expenses both positive. profit_amount is signed for */
/* net profit: income positive, expenses negative. An account the list does not map has no */
/* category and counts nowhere (the check pnl_accounts_are_categorised lists it). */
SELECT
  p.id AS line_id,
  p.month,
  p.account_number,
  p.account,
  c.category,
  CASE
    WHEN c.category IN ('mrr', 'orr', 'nrr', 'product_sales')
    THEN 'income'
    WHEN NOT c.category IS NULL
    THEN 'expense'
  END AS kind,
  p.amount,
  CASE
    WHEN c.category IN ('mrr', 'orr', 'nrr', 'product_sales')
    THEN p.amount
    WHEN NOT c.category IS NULL
    THEN -p.amount
    ELSE 0
  END AS profit_amount,
  p.department,
  p.team,
  p.owner_id,
  p.client_id,
  p.source_funnel,
  p.utm_source,
  p.utm_medium,
  p.utm_campaign
FROM profit_and_loss AS p
LEFT JOIN ref_account_categories AS c
  ON c.account = p.account;
