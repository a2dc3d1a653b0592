-- booked_calls (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "booked_at" < CAST('2026-06-01 06:00:00' AS TIMESTAMP) THEN '2026-05' END AS ns_period,
  COUNT(*) AS value
FROM "sales_calls"
WHERE
  (
    (
      "booked_at" >= CAST('2026-05-01 06:00:00' AS TIMESTAMP)
      AND "booked_at" < CAST('2026-06-01 06:00:00' AS TIMESTAMP)
    )
  )
  AND (
    kind = 'triage'
  )
GROUP BY
  1;
