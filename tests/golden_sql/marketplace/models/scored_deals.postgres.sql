-- scored_deals (model) on postgres: scripts/golden_sql.py
/* Every deal with its deal score now and as it stood when the quarter it is due to close in */
/* began (its close quarter), for pipeline coverage: */
/*   quarter_start_at: the close quarter's first instant, local midnight in the company's */
/*     timezone, as a UTC timestamp (how the ledger stores times), */
/*   stage_at_quarter_start, amount_at_quarter_start, probability_at_quarter_start: the last */
/*     value in HubSpot's deal property history at or before that instant (none: the deal had */
/*     no stage or amount yet), */
/*   open_at_quarter_start: created by then and in an open stage then, however it ended, */
/*   entering_amount, entering_weighted, entering_scored: what the deal brings to the quarter's */
/*     coverage, unweighted, at its stage probability then, at its deal score then (0 when it */
/*     was not open at the quarter's start), */
/*   weighted_amount and score: the same weightings on today's stage (won 1, lost 0). */
/* The deal score (docs/marketplace.md): an open deal starts at its stage probability, x 1.25 */
/* when the company already buys from us, x 0.8 for outbound or x 1.15 for referral deals, */
/* x 0.5 when its sales cycle (create to close date) is longer than 180 days, capped at 0.95. */
/* Without any loaded history this model waits for deal_property_history: coverage is never */
/* worked out from today's stages. */
WITH starts AS (
  SELECT
    d.*,
    CAST((
      CAST(DATE_TRUNC('QUARTER', d.close_date) AS TIMESTAMP) AT TIME ZONE 'America/Chicago'
    ) AT TIME ZONE 'UTC' AS TIMESTAMP) AS quarter_start_at,
    CASE WHEN NOT c.id IS NULL THEN 1.25 ELSE 1.0 END * CASE d.source_funnel WHEN 'outbound' THEN 0.8 WHEN 'referral' THEN 1.15 ELSE 1.0 END * CASE
      WHEN (
        CAST(d.close_date AS DATE) - CAST(d.create_date AS DATE)
      ) > 180
      THEN 0.5
      ELSE 1.0
    END AS score_factor
  FROM deals AS d
  LEFT JOIN customers AS c
    ON c.id = d.company_id
), history AS (
  SELECT
    s.id AS deal_id,
    h.property,
    h.value,
    h.stage_probability,
    ROW_NUMBER() OVER (
      PARTITION BY s.id, h.property
      ORDER BY h.changed_at DESC NULLS LAST, h.id DESC NULLS LAST
    ) AS newest
  FROM starts AS s
  JOIN deal_property_history AS h
    ON h.deal_id = s.id
    AND h.changed_at <= s.quarter_start_at
    AND h.property IN ('dealstage', 'amount')
), then_ AS (
  SELECT
    deal_id,
    MAX(CASE WHEN property = 'dealstage' THEN value END) AS stage,
    MAX(CASE WHEN property = 'dealstage' THEN stage_probability END) AS probability,
    MAX(CASE WHEN property = 'amount' THEN CAST(value AS DECIMAL(18, 2)) END) AS amount
  FROM history
  WHERE
    newest = 1
  GROUP BY
    deal_id
), deal_then AS (
  SELECT
    s.*,
    t.stage AS stage_at_quarter_start,
    t.amount AS amount_at_quarter_start,
    t.probability AS probability_at_quarter_start,
    COALESCE(s.create_date <= s.quarter_start_at, TRUE)
    AND NOT t.stage IS NULL
    AND NOT t.stage IN ('closedwon', 'closedlost') AS open_at_quarter_start
  FROM starts AS s
  LEFT JOIN then_ AS t
    ON t.deal_id = s.id
)
SELECT
  d.id AS deal_id,
  d.company_id,
  d.deal_name,
  d.stage,
  d.amount,
  d.stage_probability,
  d.create_date,
  d.close_date,
  d.quarter_start_at,
  d.stage_at_quarter_start,
  d.amount_at_quarter_start,
  d.probability_at_quarter_start,
  d.open_at_quarter_start,
  CASE
    WHEN d.open_at_quarter_start
    THEN COALESCE(d.amount_at_quarter_start, 0)
    ELSE 0
  END AS entering_amount,
  CASE
    WHEN d.open_at_quarter_start
    THEN COALESCE(d.amount_at_quarter_start * d.probability_at_quarter_start, 0)
    ELSE 0
  END AS entering_weighted,
  CASE
    WHEN d.open_at_quarter_start
    THEN COALESCE(
      d.amount_at_quarter_start * LEAST(0.95, d.probability_at_quarter_start * d.score_factor),
      0
    )
    ELSE 0
  END AS entering_scored,
  d.amount * d.stage_probability AS weighted_amount,
  CASE
    WHEN d.stage = 'closedwon'
    THEN 1.0
    WHEN d.stage = 'closedlost'
    THEN 0.0
    ELSE LEAST(0.95, d.stage_probability * d.score_factor)
  END AS score,
  d.first_touch,
  d.last_touch,
  d.department,
  d.team,
  d.owner_id,
  d.client_id,
  d.source_funnel,
  d.utm_source,
  d.utm_medium,
  d.utm_campaign
FROM deal_then AS d;
