-- Deals due to close in the quarter at their stage probability, over the quarter's quota.
WITH forecast AS (
  SELECT date_trunc('quarter', close_date) AS quarter, sum(amount * stage_probability) AS forecast
  FROM raw_deals
  WHERE close_date >= $start AND close_date < $end
  GROUP BY 1
),
quota AS (
  SELECT date_trunc('quarter', period_start) AS quarter, sum(quota) AS quota
  FROM raw_quotas
  WHERE period_start >= $start AND period_start < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period,
       f.forecast / nullif(q.quota, 0) AS value
FROM quota AS q
FULL JOIN forecast AS f USING (quarter)
