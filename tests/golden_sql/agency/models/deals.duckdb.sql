-- deals (model) on duckdb: scripts/golden_sql.py
/* GoHighLevel's opportunities, one row per opportunity: its stage, status (open, won, lost or */
/* abandoned, in lower case) and value. GoHighLevel owns the pipeline: the base view */
/* ghl_opportunities already shows its status and monetary_value where the closers' tracker */
/* sheet reports the deal again (pack.toml, [ownership.ghl_opportunities]). won_at is when a */
/* won deal was won: its last status change (else its last update). An opportunity deleted in */
/* GoHighLevel (removed_at) is left out. */
SELECT
  o.id AS opportunity_id,
  o.name,
  o.contact_id,
  o.pipeline_id,
  o.stage_id,
  s.name AS stage,
  LOWER(TRIM(o.status)) AS status,
  o.monetary_value,
  o.created_at,
  o.last_status_change_at,
  CASE
    WHEN LOWER(TRIM(o.status)) = 'won'
    THEN COALESCE(o.last_status_change_at, o.updated_at)
  END AS won_at,
  o.department,
  o.team,
  o.owner_id,
  o.client_id,
  o.source_funnel,
  o.utm_source,
  o.utm_medium,
  o.utm_campaign
FROM ghl_opportunities AS o
LEFT JOIN ghl_stages AS s
  ON s.id = o.stage_id
WHERE
  o.removed_at IS NULL;
