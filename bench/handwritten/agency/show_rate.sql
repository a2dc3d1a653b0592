-- Show rate by the local month calls were due: of the triage calls and strategy sessions that
-- showed, did not show or were cancelled, the share that showed.
WITH
-- include: _calls.sql
due AS (
  SELECT due_month AS month, count(*) FILTER (WHERE status = 'showed') AS held,
         count(*) FILTER (WHERE status IN ('showed', 'noshow', 'cancelled')) AS due
  FROM calls GROUP BY 1
)
SELECT strftime(month, '%Y-%m') AS period, held / nullif(due, 0) AS value FROM due
WHERE month >= $start AND month < $end
