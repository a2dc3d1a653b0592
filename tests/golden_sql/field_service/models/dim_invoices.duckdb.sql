-- dim_invoices (model) on duckdb: scripts/golden_sql.py
/* Invoices with their job and the business unit they reach through it (invoice -> job -> */
/* business unit; the invoice's own unit when it has no job: invoice_units), the cost of their */
/* items (materials and equipment: total_cost) and what active payments applied to them. */
/* open_amount is the total less what was applied; balance is ServiceTitan's own figure (check */
/* invoice_balances_match_payments). Voided invoices (active false) are left out. */
WITH items AS (
  SELECT
    invoice_id,
    SUM(total_cost) AS materials_cost,
    COUNT(*) AS items
  FROM st_invoice_items
  WHERE
    COALESCE(active, TRUE)
  GROUP BY
    invoice_id
), paid AS (
  SELECT
    a.invoice_id,
    SUM(a.amount) AS applied
  FROM st_payment_applications AS a
  JOIN st_payments AS p
    ON p.id = a.payment_id
  WHERE
    COALESCE(p.active, TRUE)
  GROUP BY
    a.invoice_id
)
SELECT
  i.id AS invoice_id,
  i.reference_number,
  i.invoice_date,
  i.due_date,
  i.sub_total,
  i.sales_tax,
  i.total,
  i.balance,
  i.invoice_type,
  i.job_id,
  j.job_number,
  j.job_type_name,
  j.job_type_category,
  j.job_status,
  v.business_unit_id,
  v.business_unit_name,
  v.business_unit,
  v.branch,
  v.trade,
  COALESCE(x.materials_cost, 0) AS materials_cost,
  COALESCE(x.items, 0) AS items,
  COALESCE(pd.applied, 0) AS applied,
  i.total - COALESCE(pd.applied, 0) AS open_amount,
  i.customer_id,
  i.customer_name,
  v.department,
  v.team,
  v.owner_id,
  v.client_id,
  v.source_funnel,
  v.utm_source,
  v.utm_medium,
  v.utm_campaign
FROM st_invoices AS i
JOIN invoice_units AS v
  ON v.invoice_id = i.id
LEFT JOIN dim_jobs AS j
  ON j.job_id = i.job_id
LEFT JOIN items AS x
  ON x.invoice_id = i.id
LEFT JOIN paid AS pd
  ON pd.invoice_id = i.id;
