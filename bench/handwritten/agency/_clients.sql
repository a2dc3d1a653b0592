-- The book of clients at the end of every month from a year before $start (a fragment), from
-- the delivery file: a client counts from the day it onboarded to the day it churned (its
-- newest month's dates); its MRR at a moment is that of its latest month in effect by then (a
-- month takes effect on its first day, a new client's first month on the day it onboarded),
-- and its newest MRR leaves on the day it churned; its health score likewise. It is past $100k
-- from the day it passed (its newest month's date) until it churned.
ends AS (
  SELECT CAST(m AS DATE) AS month, CAST(m + INTERVAL 1 MONTH AS DATE) AS period_end
  FROM range(CAST($start AS TIMESTAMP) - INTERVAL 1 YEAR, CAST($end AS TIMESTAMP),
             INTERVAL 1 MONTH) AS t(m)
),
newest AS (
  SELECT client_id, mrr, health_score, onboarded_on, hit_100k_on, churned_on
  FROM raw_client_snapshots
  QUALIFY row_number() OVER (PARTITION BY client_id ORDER BY month DESC) = 1
),
in_effect AS (
  SELECT e.period_end, s.client_id, arg_max(s.mrr, s.month) AS mrr,
         arg_max(s.health_score, s.month) AS health
  FROM ends AS e
  JOIN raw_client_snapshots AS s ON greatest(s.month, s.onboarded_on) < e.period_end
  GROUP BY 1, 2
),
book AS (  -- each client's MRR at each month's end (churned ones: what is left, often 0)
  SELECT e.period_end, n.client_id,
         n.onboarded_on < e.period_end AND NOT coalesce(n.churned_on < e.period_end, false)
           AS active,
         coalesce(m.mrr, 0) - CASE WHEN n.churned_on < e.period_end THEN n.mrr ELSE 0 END
           AS mrr,
         coalesce(m.health, 0)
           - CASE WHEN n.churned_on < e.period_end THEN n.health_score ELSE 0 END AS health,
         CASE WHEN n.hit_100k_on < e.period_end THEN 1 ELSE 0 END
           - CASE WHEN n.churned_on < e.period_end AND n.hit_100k_on IS NOT NULL THEN 1
                  ELSE 0 END AS past_100k
  FROM ends AS e
  CROSS JOIN newest AS n
  LEFT JOIN in_effect AS m ON m.period_end = e.period_end AND m.client_id = n.client_id
),
