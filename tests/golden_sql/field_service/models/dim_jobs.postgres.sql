-- dim_jobs (model) on postgres: scripts/golden_sql.py
/* Jobs with the names their ids stand for: the business unit (as ServiceTitan names it, and as */
/* it is reported), the job type and its KPI category and the campaign (the customer's name and */
/* city are in dim_customers). start_at is when the job starts: its first appointment's start (UTC); the */
/* jobs API has no start date of its own. revenue is the job's invoice subtotal, before sales */
/* tax (the job's total when it has no active invoice: billed_invoice_id is the active one). */
/* Deleted jobs (active false) are left out. */
SELECT
  j.id AS job_id,
  j.job_number,
  j.job_status,
  j.job_status = 'Canceled' AS is_canceled,
  j.created_on,
  a.start AS start_at,
  j.completed_on,
  j.business_unit_id,
  u.business_unit_name,
  u.business_unit,
  u.branch,
  u.trade,
  j.job_type_id,
  t.job_type_name,
  t.job_type_category,
  j.campaign_id,
  c.name AS campaign_name,
  c.category AS campaign_category,
  j.customer_id,
  j.location_id,
  j.invoice_id,
  i.id AS billed_invoice_id,
  COALESCE(i.sub_total, j.total) AS revenue,
  j.total,
  j.appointment_count,
  j.recall_for_id,
  j.warranty_id,
  COALESCE(j.no_charge, FALSE) AS no_charge,
  COALESCE(u.department, j.department) AS department,
  COALESCE(u.business_unit, j.team) AS team,
  j.owner_id,
  j.client_id,
  j.source_funnel,
  j.utm_source,
  j.utm_medium,
  COALESCE(j.utm_campaign, c.name) AS utm_campaign
FROM st_jobs AS j
LEFT JOIN dim_business_units AS u
  ON u.business_unit_id = j.business_unit_id
LEFT JOIN dim_job_types AS t
  ON t.job_type_id = j.job_type_id
LEFT JOIN st_campaigns AS c
  ON c.id = j.campaign_id
LEFT JOIN st_appointments AS a
  ON a.id = j.first_appointment_id
LEFT JOIN st_invoices AS i
  ON i.id = j.invoice_id AND COALESCE(i.active, TRUE)
WHERE
  COALESCE(j.active, TRUE);
