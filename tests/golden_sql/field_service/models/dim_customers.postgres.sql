-- dim_customers (model) on postgres: scripts/golden_sql.py
/* Customers with their type and how many locations they have, the city of their first one */
/* (by id) and how many jobs they have had: for drilling into a KPI's jobs by customer. */
WITH locations AS (
  SELECT
    customer_id,
    COUNT(*) AS locations,
    MIN(city) AS city
  FROM st_locations
  WHERE
    COALESCE(active, TRUE)
  GROUP BY
    customer_id
), jobs AS (
  SELECT
    customer_id,
    COUNT(*) AS jobs
  FROM st_jobs
  WHERE
    COALESCE(active, TRUE)
  GROUP BY
    customer_id
)
SELECT
  c.id AS customer_id,
  c.name AS customer_name,
  c.type AS customer_type,
  COALESCE(l.locations, 0) AS locations,
  l.city,
  COALESCE(j.jobs, 0) AS jobs,
  COALESCE(c.active, TRUE) AS is_active,
  c.department,
  c.team,
  c.owner_id,
  c.client_id,
  c.source_funnel,
  c.utm_source,
  c.utm_medium,
  c.utm_campaign
FROM st_customers AS c
LEFT JOIN locations AS l
  ON l.customer_id = c.id
LEFT JOIN jobs AS j
  ON j.customer_id = c.id;
