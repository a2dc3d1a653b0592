-- Client churn by month: clients lost in the month over the clients at its start (those at its
-- end, less the ones onboarded in it, plus the ones lost in it).
WITH
-- include: _clients.sql
moves AS (
  SELECT e.month, e.period_end,
         count(*) FILTER (WHERE n.onboarded_on >= e.month AND n.onboarded_on < e.period_end)
           AS new_clients,
         count(*) FILTER (WHERE n.churned_on >= e.month AND n.churned_on < e.period_end)
           AS lost
  FROM ends AS e CROSS JOIN newest AS n
  WHERE e.month >= $start
  GROUP BY 1, 2
),
active AS (SELECT period_end, count(*) FILTER (WHERE active) AS n FROM book GROUP BY 1)
SELECT strftime(m.month, '%Y-%m') AS period,
       m.lost / nullif(a.n - m.new_clients + m.lost, 0) AS value
FROM moves AS m JOIN active AS a ON a.period_end = m.period_end
