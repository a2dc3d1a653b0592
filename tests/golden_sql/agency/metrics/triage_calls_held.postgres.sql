-- triage_calls_held (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE
    WHEN "start_time" < CAST('2026-06-01 06:00:00' AS TIMESTAMP)
    THEN '2026-05'
  END AS ns_period,
  COUNT(*) AS value
FROM "sales_calls"
WHERE
  (
    (
      "start_time" >= CAST('2026-05-01 06:00:00' AS TIMESTAMP)
      AND "start_time" < CAST('2026-06-01 06:00:00' AS TIMESTAMP)
    )
  )
  AND (
    kind = 'triage' AND status = 'showed'
  )
GROUP BY
  1;
