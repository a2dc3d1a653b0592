-- won_deal_value (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE WHEN "won_at" < CAST('2026-06-01 06:00:00' AS TIMESTAMP) THEN '2026-05' END AS ns_period,
  SUM(monetary_value) AS value
FROM "deals"
WHERE
  (
    (
      "won_at" >= CAST('2026-05-01 06:00:00' AS TIMESTAMP)
      AND "won_at" < CAST('2026-06-01 06:00:00' AS TIMESTAMP)
    )
  )
  AND (
    status = 'won'
  )
GROUP BY
  1;
