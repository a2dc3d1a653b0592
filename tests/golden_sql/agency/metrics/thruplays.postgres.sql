-- thruplays (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  CASE WHEN "date" < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(thruplays) AS value
FROM "ad_spend"
WHERE
  (
    (
      "date" >= CAST('2026-05-01' AS DATE) AND "date" < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    platform = 'meta'
  )
GROUP BY
  1;
