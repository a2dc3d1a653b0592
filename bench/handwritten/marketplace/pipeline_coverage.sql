-- Deals due to close in the quarter that were open when it began (created by its first
-- instant, local midnight in America/Chicago, and in an open stage then), each at its amount
-- then (the last version in HubSpot's deal property history), over the quarter's quota.
WITH deals AS (
  SELECT id, date_trunc('quarter', close_date) AS quarter, create_date,
         timezone('UTC', timezone('America/Chicago',
                                  CAST(date_trunc('quarter', close_date) AS TIMESTAMP))) AS starts
  FROM raw_deals
  WHERE close_date >= $start AND close_date < $end
),
as_it_was AS (
  SELECT d.quarter, d.create_date, d.starts,
         arg_max(h.value, h.changed_at) FILTER (WHERE h.property = 'dealstage') AS stage,
         arg_max(h.value, h.changed_at) FILTER (WHERE h.property = 'amount') AS amount
  FROM deals AS d
  JOIN raw_deal_property_history AS h ON h.deal_id = d.id AND h.changed_at <= d.starts
  GROUP BY d.id, d.quarter, d.create_date, d.starts
),
pipeline AS (
  SELECT quarter, sum(coalesce(CAST(amount AS DECIMAL(18, 2)), 0)) AS pipeline
  FROM as_it_was
  WHERE create_date <= starts AND stage NOT IN ('closedwon', 'closedlost')
  GROUP BY 1
),
quota AS (
  SELECT date_trunc('quarter', period_start) AS quarter, sum(quota) AS quota
  FROM raw_quotas
  WHERE period_start >= $start AND period_start < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period,
       p.pipeline / nullif(q.quota, 0) AS value
FROM quota AS q
FULL JOIN pipeline AS p USING (quarter)
