-- job_costing (model) on duckdb: scripts/golden_sql.py
/* Job costing, one row per job that is not cancelled: revenue (the invoice subtotal), the */
/* materials and equipment cost of its invoice's items (total_cost), the labour payroll paid for */
/* it (gross pay items of the job: amount plus amount_adjustment) and the gross profit they */
/* leave. The jobs API carries no cost; docs/field-service.md says where each part comes from. */
WITH materials AS (
  SELECT
    invoice_id,
    SUM(total_cost) AS materials_cost
  FROM st_invoice_items
  WHERE
    COALESCE(active, TRUE)
  GROUP BY
    invoice_id
), labour AS (
  SELECT
    job_id,
    SUM(COALESCE(amount, 0) + COALESCE(amount_adjustment, 0)) AS labour_cost
  FROM st_gross_pay_items
  WHERE
    COALESCE(active, TRUE)
  GROUP BY
    job_id
)
SELECT
  j.job_id,
  j.job_number,
  j.job_status,
  j.job_type_name,
  j.job_type_category,
  j.created_on,
  j.start_at,
  j.completed_on,
  j.business_unit_id,
  j.business_unit_name,
  j.business_unit,
  j.branch,
  j.trade,
  j.revenue,
  COALESCE(m.materials_cost, 0) AS materials_cost,
  COALESCE(l.labour_cost, 0) AS labour_cost,
  COALESCE(m.materials_cost, 0) + COALESCE(l.labour_cost, 0) AS total_cost,
  j.revenue - COALESCE(m.materials_cost, 0) - COALESCE(l.labour_cost, 0) AS gross_profit,
  j.department,
  j.team,
  j.owner_id,
  j.client_id,
  j.source_funnel,
  j.utm_source,
  j.utm_medium,
  j.utm_campaign
FROM dim_jobs AS j
LEFT JOIN materials AS m
  ON m.invoice_id = j.billed_invoice_id
LEFT JOIN labour AS l
  ON l.job_id = j.job_id
WHERE
  NOT j.is_canceled;
