-- gross_charges (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "created" < CAST('2026-06-01 06:00:00' AS TIMESTAMP) THEN '2026-05' END AS ns_period,
  SUM(amount) AS value
FROM "cash_movements"
WHERE
  (
    (
      "created" >= CAST('2026-05-01 06:00:00' AS TIMESTAMP)
      AND "created" < CAST('2026-06-01 06:00:00' AS TIMESTAMP)
    )
  )
  AND (
    kind = 'charge'
  )
GROUP BY
  1;
