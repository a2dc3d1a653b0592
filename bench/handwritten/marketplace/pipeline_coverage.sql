-- Deals created before the quarter began and due to close in it, over the quarter's quota.
WITH pipeline AS (
  SELECT date_trunc('quarter', close_date) AS quarter, sum(amount) AS pipeline
  FROM raw_deals
  WHERE close_date >= $start AND close_date < $end
    AND create_date < date_trunc('quarter', close_date)
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
