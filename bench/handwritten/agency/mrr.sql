-- MRR at each month's end. Target: 30% more than a year before (none when that was 0).
WITH
-- include: _clients.sql
totals AS (SELECT period_end, sum(mrr) AS mrr FROM book GROUP BY 1)
SELECT strftime(e.month, '%Y-%m') AS period, t.mrr AS value, 1.3 * nullif(ly.mrr, 0) AS target
FROM ends AS e
JOIN totals AS t ON t.period_end = e.period_end
LEFT JOIN totals AS ly ON ly.period_end = CAST(e.period_end - INTERVAL 1 YEAR AS DATE)
WHERE e.month >= $start
