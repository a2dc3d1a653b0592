-- agreements (model) on postgres: scripts/golden_sql.py
/* Service agreements with their company and what their active additions bill and cost each */
/* month. An agreement is in force from its start date until its end date (or without end */
/* when it has no ending date), unless it is cancelled; the agreements metric counts those in */
/* force at a period's end. An addition is active until its cancelled date. */
WITH additions AS (
  SELECT
    agreement_id,
    SUM(quantity * unit_price) AS addition_price,
    SUM(quantity * unit_cost) AS addition_cost,
    COUNT(*) AS additions
  FROM cw_agreement_additions
  WHERE
    cancelled_date IS NULL
  GROUP BY
    agreement_id
)
SELECT
  a.id AS agreement_id,
  a.name,
  a.type,
  a.company_id,
  c.name AS company,
  a.start_date,
  a.end_date,
  COALESCE(a.cancelled_flag, FALSE) AS is_cancelled,
  COALESCE(a.no_ending_date, FALSE) AS has_no_end,
  a.bill_amount,
  a.billing_cycle,
  COALESCE(x.additions, 0) AS additions,
  x.addition_price,
  x.addition_cost,
  a.department,
  a.team,
  a.owner_id,
  a.client_id,
  a.source_funnel,
  a.utm_source,
  a.utm_medium,
  a.utm_campaign
FROM cw_agreements AS a
LEFT JOIN cw_companies AS c
  ON c.id = a.company_id
LEFT JOIN additions AS x
  ON x.agreement_id = a.id;
