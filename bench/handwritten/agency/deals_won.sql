-- Deals won by local month (a count: 0 in a month with none).
WITH
-- include: _deals.sql
months AS (
  SELECT CAST(m AS DATE) AS month
  FROM range(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 MONTH) AS t(m)
)
SELECT strftime(m.month, '%Y-%m') AS period, coalesce(w.n, 0) AS value
FROM months AS m LEFT JOIN won AS w ON w.month = m.month
