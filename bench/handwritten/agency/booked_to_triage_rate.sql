-- The funnel's second step by month: triage calls held over triage calls booked.
WITH
-- include: _calls.sql
-- include: _held.sql
booked AS (SELECT booked_month AS month, count(*) AS n FROM calls WHERE kind = 'triage' GROUP BY 1)
SELECT strftime(b.month, '%Y-%m') AS period, coalesce(h.triage, 0) / nullif(b.n, 0) AS value
FROM booked AS b LEFT JOIN held AS h ON h.month = b.month
WHERE b.month >= $start AND b.month < $end
