-- The book's levels at each month's end from $start (a fragment; after _clients.sql): active
-- clients, their health scores added up, and the clients past $100k.
levels AS (
  SELECT e.month, count(*) FILTER (WHERE b.active) AS active, sum(b.health) AS health,
         sum(b.past_100k) AS past_100k
  FROM ends AS e JOIN book AS b ON b.period_end = e.period_end
  WHERE e.month >= $start
  GROUP BY 1
),
