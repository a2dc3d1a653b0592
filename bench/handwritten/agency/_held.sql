-- Sales calls held by the local month they were due (a fragment): triage calls and strategy
-- sessions that showed.
held AS (
  SELECT due_month AS month, count(*) FILTER (WHERE kind = 'triage') AS triage,
         count(*) FILTER (WHERE kind = 'strategy') AS strategy
  FROM calls WHERE status = 'showed' GROUP BY 1
),
