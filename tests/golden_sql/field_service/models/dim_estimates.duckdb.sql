-- dim_estimates (model) on duckdb: scripts/golden_sql.py
/* Estimates with their job's type and KPI category and their business unit: the estimate's own */
/* unit, or its job's when it names none. is_sold: its status is Sold (sold_on is when). */
/* Change orders (an estimate added to a job under way) are flagged; deleted estimates are left */
/* out. */
SELECT
  e.id AS estimate_id,
  e.job_id,
  e.name,
  e.status,
  e.status = 'Sold' AS is_sold,
  e.created_on,
  e.sold_on,
  e.sold_by,
  e.subtotal,
  e.tax,
  COALESCE(e.is_change_order, FALSE) AS is_change_order,
  COALESCE(e.business_unit_id, j.business_unit_id) AS business_unit_id,
  u.business_unit_name,
  u.business_unit,
  u.branch,
  u.trade,
  t.job_type_name,
  t.job_type_category,
  c.name AS campaign_name,
  j.job_status,
  COALESCE(u.department, e.department) AS department,
  COALESCE(u.business_unit, e.team) AS team,
  e.owner_id,
  e.client_id,
  e.source_funnel,
  e.utm_source,
  e.utm_medium,
  COALESCE(e.utm_campaign, c.name) AS utm_campaign
FROM st_estimates AS e
LEFT JOIN st_jobs AS j
  ON j.id = e.job_id AND COALESCE(j.active, TRUE)
LEFT JOIN dim_job_types AS t
  ON t.job_type_id = j.job_type_id
LEFT JOIN st_campaigns AS c
  ON c.id = j.campaign_id
LEFT JOIN dim_business_units AS u
  ON u.business_unit_id = COALESCE(e.business_unit_id, j.business_unit_id)
WHERE
  COALESCE(e.active, TRUE);
