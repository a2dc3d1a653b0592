-- clients_changes (model) on duckdb: scripts/golden_sql.py
/* What changes the book of clients, one row per change, for the balances kept as cumulative */
/* measures (active_clients, mrr, the health scores and the clients past $100k at a moment): */
/*  * onboarding: +1 client, on the day it onboarded; */
/*  * each month the delivery file reports, on its first day (a new client's first month: on the */
/*    day it onboarded): the change of MRR and health score since the month before, the whole */
/*    of them in the client's first month in the file (a month's row says what held at its end); */
/*  * passing $100k in revenue: +1 client past $100k, on that day; */
/*  * churning: -1 client, less its last MRR and health score, and -1 past $100k if it had */
/*    passed, on the day it churned. */
/* Summed over every row before a period's end they give the book at that end. Milestones come */
/* from the client's newest month, which knows the most. client_id is among the tags. */
WITH months AS (
  SELECT
    s.*,
    ROW_NUMBER() OVER (PARTITION BY s.client_id ORDER BY s.month DESC) AS newest,
    LAG(s.mrr) OVER (PARTITION BY s.client_id ORDER BY s.month) AS mrr_before,
    LAG(s.health_score) OVER (PARTITION BY s.client_id ORDER BY s.month) AS health_before
  FROM client_snapshots AS s
)
SELECT
  onboarded_on AS changed_on,
  'onboarded' AS change,
  0 AS mrr_change,
  0 AS health_change,
  1 AS clients_change,
  0 AS past_100k_change,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM months
WHERE
  newest = 1
UNION ALL
SELECT
  GREATEST(month, onboarded_on),
  'month',
  mrr - COALESCE(mrr_before, 0),
  health_score - COALESCE(health_before, 0),
  0,
  0,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM months
UNION ALL
SELECT
  hit_100k_on,
  'past_100k',
  0,
  0,
  0,
  1,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM months
WHERE
  newest = 1 AND NOT hit_100k_on IS NULL
UNION ALL
SELECT
  churned_on,
  'churned',
  -mrr,
  -health_score,
  -1,
  CASE WHEN NOT hit_100k_on IS NULL THEN -1 ELSE 0 END,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM months
WHERE
  newest = 1 AND NOT churned_on IS NULL;
