-- booking_changes (model) on spark: scripts/golden_sql.py
/* What moves the backlog of booked production work: a production job (not cancelled) enters */
/* it with its revenue when it is booked (created_on) and leaves it when it starts (its first */
/* appointment, or its booking if it was entered after it had started). Summed over every row */
/* before a moment, it is the work booked and not yet started then: future bookings. A job not */
/* scheduled yet stays in the backlog. */
WITH production AS (
  SELECT
    job_id,
    created_on,
    start_at,
    revenue,
    department,
    team,
    owner_id,
    client_id,
    source_funnel,
    utm_source,
    utm_medium,
    utm_campaign
  FROM job_costing
  WHERE
    job_type_category = 'production'
)
SELECT
  job_id,
  'booked' AS change,
  created_on AS changed_at,
  revenue AS amount,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM production
UNION ALL
SELECT
  job_id,
  'started',
  GREATEST(start_at, created_on),
  -revenue,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM production
WHERE
  NOT start_at IS NULL;
