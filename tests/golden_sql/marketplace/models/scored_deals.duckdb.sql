-- scored_deals (model) on duckdb: scripts/golden_sql.py
/* Every deal with the three weightings behind pipeline coverage: */
/*   open_at_quarter_start: created before the (calendar) quarter it is due to close in began, */
/*   weighted_amount: amount x the CRM stage probability (won 1, lost 0), */
/*   score and scored_amount: the pack's documented deal score (docs/marketplace.md). Won 1, */
/*   lost 0, an open deal starts at its stage probability, x 1.25 when the company already */
/*   buys from us, x 0.8 for outbound or x 1.15 for referral deals, x 0.5 when its sales cycle */
/*   (create to close date) is longer than 180 days, and is capped at 0.95. */
SELECT
  d.id AS deal_id,
  d.company_id,
  d.deal_name,
  d.stage,
  d.amount,
  d.stage_probability,
  d.create_date,
  d.close_date,
  d.create_date < DATE_TRUNC('QUARTER', d.close_date) AS open_at_quarter_start,
  d.amount * d.stage_probability AS weighted_amount,
  CASE
    WHEN d.stage = 'closedwon'
    THEN 1.0
    WHEN d.stage = 'closedlost'
    THEN 0.0
    ELSE LEAST(
      0.95,
      d.stage_probability * CASE WHEN NOT c.id IS NULL THEN 1.25 ELSE 1.0 END * CASE d.source_funnel WHEN 'outbound' THEN 0.8 WHEN 'referral' THEN 1.15 ELSE 1.0 END * CASE
        WHEN DATE_DIFF('DAY', CAST(d.create_date AS DATE), d.close_date) > 180
        THEN 0.5
        ELSE 1.0
      END
    )
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
FROM deals AS d
LEFT JOIN customers AS c
  ON c.id = d.company_id;
