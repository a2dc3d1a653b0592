-- include: _work.sql
-- include: _days.sql
, changes AS (
  SELECT CAST(timezone('America/Chicago', timezone('UTC', created_on)) AS DATE) AS day, team,
         revenue AS amount
  FROM work WHERE category = 'production'
  UNION ALL
  SELECT CAST(timezone('America/Chicago', timezone('UTC', greatest(start, created_on))) AS DATE),
         team, -revenue
  FROM work WHERE category = 'production' AND start IS NOT NULL
),
daily AS (SELECT day, team, sum(amount) AS amount FROM changes GROUP BY 1, 2),
opening AS (SELECT team, sum(amount) AS amount FROM daily WHERE day < $start GROUP BY 1),
grid AS (SELECT d.day, o.team FROM days AS d CROSS JOIN (SELECT DISTINCT team FROM daily) AS o)
SELECT g.day, g.team,
       coalesce(o.amount, 0) + sum(coalesce(x.amount, 0)) OVER (
         PARTITION BY g.team ORDER BY g.day ROWS UNBOUNDED PRECEDING) AS value
FROM grid AS g
LEFT JOIN daily AS x ON x.day = g.day AND x.team = g.team
LEFT JOIN opening AS o ON o.team = g.team
