-- clients (model) on duckdb: scripts/golden_sql.py
/* One row per client: the delivery file's latest month for it (its last snapshot), with the */
/* milestones known by then: onboarded, first lead, past $100k in revenue, churned, and the days */
/* from onboarding to the first lead. median_days_to_first_lead reads it by first_lead_on. */
SELECT
  s.client_name,
  s.month AS last_month,
  s.mrr,
  s.health_score,
  s.onboarded_on,
  s.first_lead_on,
  s.hit_100k_on,
  s.churned_on,
  DATE_DIFF('DAY', s.onboarded_on, s.first_lead_on) AS days_to_first_lead,
  s.department,
  s.team,
  s.owner_id,
  s.client_id,
  s.source_funnel,
  s.utm_source,
  s.utm_medium,
  s.utm_campaign
FROM (
  SELECT
    c.*,
    ROW_NUMBER() OVER (PARTITION BY c.client_id ORDER BY c.month DESC) AS newest
  FROM client_snapshots AS c
) AS s
WHERE
  s.newest = 1;
