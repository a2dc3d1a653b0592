-- dim_payments (model) on spark: scripts/golden_sql.py
/* Money received, one row per part of a payment: each amount applied to an invoice reaches that */
/* invoice's business unit (payment -> invoice -> job -> business unit: attributed_by */
/* 'invoice'), and what a payment leaves unapplied counts in the payment's own unit */
/* (attributed_by 'payment'), so the rows of a payment add up to its total. Voided payments */
/* (active false) are left out. paid_on is the payment's date (UTC). is_known_invoice: the */
/* invoice it pays is one Northstar holds (an active invoice, in invoice_units). */
WITH applied AS (
  SELECT
    payment_id,
    SUM(amount) AS applied
  FROM st_payment_applications
  GROUP BY
    payment_id
)
SELECT
  a.id AS part_id,
  'invoice' AS attributed_by,
  p.id AS payment_id,
  p.reference_number,
  p.paid_on,
  p.type AS payment_type,
  a.invoice_id,
  a.amount,
  i.job_id,
  NOT i.invoice_id IS NULL AS is_known_invoice,
  COALESCE(i.business_unit_id, p.business_unit_id) AS business_unit_id,
  COALESCE(i.business_unit_name, u.business_unit_name) AS business_unit_name,
  COALESCE(i.business_unit, u.business_unit) AS business_unit,
  COALESCE(i.branch, u.branch) AS branch,
  COALESCE(i.department, u.department, p.department) AS department,
  COALESCE(i.team, u.business_unit, p.team) AS team,
  p.owner_id,
  p.client_id,
  p.source_funnel,
  p.utm_source,
  p.utm_medium,
  COALESCE(i.utm_campaign, p.utm_campaign) AS utm_campaign
FROM st_payment_applications AS a
JOIN st_payments AS p
  ON p.id = a.payment_id
LEFT JOIN invoice_units AS i
  ON i.invoice_id = a.invoice_id
LEFT JOIN dim_business_units AS u
  ON u.business_unit_id = p.business_unit_id AND i.invoice_id IS NULL
WHERE
  COALESCE(p.active, TRUE)
UNION ALL
SELECT
  p.id || ':unapplied',
  'payment',
  p.id,
  p.reference_number,
  p.paid_on,
  p.type,
  CAST(NULL AS STRING),
  p.total - COALESCE(x.applied, 0),
  CAST(NULL AS STRING),
  FALSE,
  p.business_unit_id,
  u.business_unit_name,
  u.business_unit,
  u.branch,
  COALESCE(u.department, p.department),
  COALESCE(u.business_unit, p.team),
  p.owner_id,
  p.client_id,
  p.source_funnel,
  p.utm_source,
  p.utm_medium,
  p.utm_campaign
FROM st_payments AS p
LEFT JOIN applied AS x
  ON x.payment_id = p.id
LEFT JOIN dim_business_units AS u
  ON u.business_unit_id = p.business_unit_id
WHERE
  COALESCE(p.active, TRUE) AND p.total - COALESCE(x.applied, 0) <> 0;
