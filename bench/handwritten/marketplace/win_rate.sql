-- Deals won / deals won or lost, by close quarter.
WITH quarterly AS (
  SELECT date_trunc('quarter', close_date) AS quarter,
         count(*) FILTER (WHERE stage = 'closedwon') AS won,
         count(*) FILTER (WHERE stage IN ('closedwon', 'closedlost')) AS closed
  FROM raw_deals
  WHERE close_date >= $start AND close_date < $end
  GROUP BY 1
)
SELECT format('{}-Q{}', year(quarter), quarter(quarter)) AS period,
       won / nullif(closed, 0) AS value
FROM quarterly
