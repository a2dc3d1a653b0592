-- Close rate by local month: deals won in the month over strategy sessions held in it;
-- a month with sessions and no deal won closes 0%.
WITH
-- include: _calls.sql
-- include: _deals.sql
held AS (
  SELECT due_month AS month, count(*) AS n FROM calls
  WHERE kind = 'strategy' AND status = 'showed' GROUP BY 1
)
SELECT strftime(h.month, '%Y-%m') AS period, coalesce(w.n, 0) / nullif(h.n, 0) AS value
FROM held AS h LEFT JOIN won AS w ON w.month = h.month
WHERE h.month >= $start AND h.month < $end
