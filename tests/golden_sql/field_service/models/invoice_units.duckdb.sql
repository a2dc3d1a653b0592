-- invoice_units (model) on duckdb: scripts/golden_sql.py
/* Every active invoice and the business unit it reaches through its job (invoice -> job -> */
/* business unit; the invoice's own unit when it has no job), with the unit's map and the job's */
/* campaign as tags: what outstanding A/R and payments by unit need, kept light (dim_invoices */
/* adds the items and the payments applied). */
SELECT
  i.id AS invoice_id,
  i.reference_number,
  i.invoice_date,
  i.total,
  i.job_id,
  COALESCE(j.business_unit_id, i.business_unit_id) AS business_unit_id,
  u.business_unit_name,
  u.business_unit,
  u.branch,
  u.trade,
  COALESCE(u.department, i.department) AS department,
  COALESCE(u.business_unit, i.team) AS team,
  i.owner_id,
  i.client_id,
  i.source_funnel,
  i.utm_source,
  i.utm_medium,
  COALESCE(i.utm_campaign, c.name) AS utm_campaign
FROM st_invoices AS i
LEFT JOIN st_jobs AS j
  ON j.id = i.job_id AND COALESCE(j.active, TRUE)
LEFT JOIN st_campaigns AS c
  ON c.id = j.campaign_id
LEFT JOIN dim_business_units AS u
  ON u.business_unit_id = COALESCE(j.business_unit_id, i.business_unit_id)
WHERE
  COALESCE(i.active, TRUE);
