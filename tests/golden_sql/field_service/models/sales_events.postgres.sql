-- sales_events (model) on postgres: scripts/golden_sql.py
/* What happens to an estimate, one row per event: presented when it is created, sold when it */
/* is sold (with its subtotal), for the estimates the sales KPIs count: on jobs of an estimate */
/* job type, in a sales business unit, change orders left out. Counting both events from one */
/* model gives a unit that presented estimates and sold none a close rate of 0%, not none. */
WITH counted AS (
  SELECT
    estimate_id,
    job_id,
    created_on,
    sold_on,
    is_sold,
    subtotal,
    business_unit_id,
    business_unit_name,
    business_unit,
    branch,
    department,
    team,
    owner_id,
    client_id,
    source_funnel,
    utm_source,
    utm_medium,
    utm_campaign
  FROM dim_estimates
  WHERE
    job_type_category = 'estimate' AND department = 'sales' AND NOT is_change_order
)
SELECT
  estimate_id,
  job_id,
  'presented' AS event,
  created_on AS happened_at,
  1 AS presented,
  0 AS sold,
  CAST(0 AS DECIMAL(18, 2)) AS booked,
  business_unit_id,
  business_unit_name,
  business_unit,
  branch,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM counted
UNION ALL
SELECT
  estimate_id,
  job_id,
  'sold',
  sold_on,
  0,
  1,
  subtotal,
  business_unit_id,
  business_unit_name,
  business_unit,
  branch,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM counted
WHERE
  is_sold AND NOT sold_on IS NULL;
