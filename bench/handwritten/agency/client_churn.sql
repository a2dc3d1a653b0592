-- Client churn by month: clients lost in the month over the clients at its start (those at its
-- end, less the ones onboarded in it, plus the ones lost in it).
WITH
-- include: _clients.sql
-- include: _moves.sql
active AS (SELECT period_end, count(*) FILTER (WHERE active) AS n FROM book GROUP BY 1)
SELECT strftime(m.month, '%Y-%m') AS period,
       m.lost / nullif(a.n - m.new_clients + m.lost, 0) AS value
FROM moves AS m JOIN active AS a ON a.period_end = m.period_end
