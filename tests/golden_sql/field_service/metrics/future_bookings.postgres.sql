-- future_bookings (metric, 2026-06-14) on postgres: scripts/golden_sql.py
SELECT
  CASE
    WHEN "changed_at" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(amount) AS value
FROM "booking_changes"
WHERE
  (
    "changed_at" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
  )
  AND (
    department = 'production'
  )
GROUP BY
  1;
