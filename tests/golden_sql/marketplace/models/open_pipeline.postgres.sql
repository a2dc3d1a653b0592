-- open_pipeline (model) on postgres: scripts/golden_sql.py
/* Deals that are open right now (not closed won or lost), with their HubSpot-weighted amount. */
SELECT
  id AS deal_id,
  company_id,
  deal_name,
  stage,
  amount,
  stage_probability,
  amount * stage_probability AS weighted_amount,
  create_date,
  close_date,
  department,
  team,
  owner_id,
  client_id,
  source_funnel,
  utm_source,
  utm_medium,
  utm_campaign
FROM deals
WHERE
  NOT stage IN ('closedwon', 'closedlost');
