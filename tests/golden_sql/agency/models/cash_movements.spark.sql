-- cash_movements (model) on spark: scripts/golden_sql.py
/* Cash through Stripe, one row per movement: a charge that succeeded (+ what was captured, on */
/* the day it was created), a refund (- its amount, on the day it was made, unless it failed or */
/* was cancelled) and a dispute not won (- its amount, on the day it was opened: Stripe takes */
/* the money back then; a dispute won gives it back, so it does not count, nor does an */
/* inquiry, status warning_*, which takes nothing). net_amount adds up to net cash. */
/* Stripe owns cash: the base view stripe_charges already shows Stripe's version of a charge */
/* that GoHighLevel's order-form export reports again (pack.toml, [ownership.stripe_charges]). */
/* A refund or dispute without tags of its own takes its charge's (Stripe's API tags only the */
/* charge, with its customer). */
WITH charges AS (
  SELECT
    id,
    status,
    amount_captured,
    created,
    department,
    team,
    owner_id,
    client_id,
    source_funnel,
    utm_source,
    utm_medium,
    utm_campaign
  FROM stripe_charges
)
SELECT
  'charge:' || c.id AS movement_id,
  'charge' AS kind,
  c.id AS charge_id,
  c.created,
  c.amount_captured AS amount,
  c.amount_captured AS net_amount,
  c.department,
  c.team,
  c.owner_id,
  c.client_id,
  c.source_funnel,
  c.utm_source,
  c.utm_medium,
  c.utm_campaign
FROM charges AS c
WHERE
  c.status = 'succeeded'
UNION ALL
SELECT
  'refund:' || x.id,
  'refund',
  x.charge,
  x.created,
  x.amount,
  -x.amount,
  COALESCE(x.department, c.department),
  COALESCE(x.team, c.team),
  COALESCE(x.owner_id, c.owner_id),
  COALESCE(x.client_id, c.client_id),
  COALESCE(x.source_funnel, c.source_funnel),
  COALESCE(x.utm_source, c.utm_source),
  COALESCE(x.utm_medium, c.utm_medium),
  COALESCE(x.utm_campaign, c.utm_campaign)
FROM stripe_refunds AS x
LEFT JOIN charges AS c
  ON c.id = x.charge
WHERE
  NOT COALESCE(x.status, 'succeeded') IN ('failed', 'canceled')
UNION ALL
SELECT
  'dispute:' || x.id,
  'dispute',
  x.charge,
  x.created,
  x.amount,
  -x.amount,
  COALESCE(x.department, c.department),
  COALESCE(x.team, c.team),
  COALESCE(x.owner_id, c.owner_id),
  COALESCE(x.client_id, c.client_id),
  COALESCE(x.source_funnel, c.source_funnel),
  COALESCE(x.utm_source, c.utm_source),
  COALESCE(x.utm_medium, c.utm_medium),
  COALESCE(x.utm_campaign, c.utm_campaign)
FROM stripe_disputes AS x
LEFT JOIN charges AS c
  ON c.id = x.charge
WHERE
  COALESCE(x.status, '') <> 'won' AND COALESCE(x.status, '') NOT LIKE 'warning%';
