-- Clients onboarded and lost in each month from $start (a fragment; after _clients.sql).
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
