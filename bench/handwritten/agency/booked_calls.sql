-- Triage calls booked, by the local month they were booked in.
WITH
-- include: _calls.sql
booked AS (SELECT booked_month AS month, count(*) AS n FROM calls WHERE kind = 'triage' GROUP BY 1)
SELECT strftime(month, '%Y-%m') AS period, n AS value FROM booked
WHERE month >= $start AND month < $end
