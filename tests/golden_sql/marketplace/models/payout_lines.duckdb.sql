-- payout_lines (model) on duckdb: scripts/golden_sql.py
/* What organisers are paid: bill lines on 4200-4230 (positive) less vendor credits on the same */
/* accounts (negative). supplier_id is NULL for bills not linked to a supplier on the platform. */
SELECT
  id AS line_id,
  txn_date,
  'bill' AS kind,
  supplier_id,
  account_number,
  amount,
  bill_pay_status,
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
  supplier_id,
  account_number,
  -amount,
  CAST(NULL AS TEXT),
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
