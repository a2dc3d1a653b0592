-- opt_ins (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "date" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(event_count) AS value
FROM "funnel_events"
WHERE
  (
    (
      "date" >= CAST('2026-05-01' AS DATE) AND "date" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    event_name = 'opt_in'
  )
GROUP BY
  1;
