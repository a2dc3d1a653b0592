-- gmv_lines (model) on postgres: scripts/golden_sql.py
/* Gross merchandise value: invoice lines on the sampling revenue accounts 4110-4169 */
/* (discount lines on 4190 are not GMV). */
SELECT
  id AS line_id,
  invoice_id,
  customer_id,
  txn_date,
  due_date,
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
  account_number BETWEEN '4110' AND '4169';
