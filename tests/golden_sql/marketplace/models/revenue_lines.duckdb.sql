-- revenue_lines (model) on duckdb: scripts/golden_sql.py
/* Every line that moves net revenue, signed so that sum(amount) is net revenue (matches the P&L): */
/* GMV (invoice lines on 4110-4169) + discounts (4190, negative) - credit memos (4110-4169) */
/* - organiser payouts (bill lines on 4200-4230) + vendor credits (4200-4230). */
SELECT
  id AS line_id,
  txn_date,
  'gmv' AS kind,
  customer_id,
  CAST(NULL AS TEXT) AS supplier_id,
  account_number,
  amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM invoice_lines
WHERE
  account_number BETWEEN '4110' AND '4169'
UNION ALL
SELECT
  id,
  txn_date,
  'discount',
  customer_id,
  NULL,
  account_number,
  amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM invoice_lines
WHERE
  account_number = '4190'
UNION ALL
SELECT
  id,
  txn_date,
  'credit_memo',
  customer_id,
  NULL,
  account_number,
  -amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM credit_memo_lines
WHERE
  account_number BETWEEN '4110' AND '4169'
UNION ALL
SELECT
  id,
  txn_date,
  'payout',
  NULL,
  supplier_id,
  account_number,
  -amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM bill_lines
WHERE
  account_number BETWEEN '4200' AND '4230'
UNION ALL
SELECT
  id,
  txn_date,
  'vendor_credit',
  NULL,
  supplier_id,
  account_number,
  amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM vendor_credit_lines
WHERE
  account_number BETWEEN '4200' AND '4230';
