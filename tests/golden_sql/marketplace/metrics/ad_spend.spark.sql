-- ad_spend (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `spend_date` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(spend) AS value
FROM `ad_spend`
WHERE
  (
    (
      `spend_date` >= CAST('2026-05-01' AS DATE)
      AND `spend_date` < CAST('2026-06-01' AS DATE)
    )
  )
GROUP BY
  1;

SELECT
  CAST(0.0045 * SUM(amount) * DATEDIFF(DAY, CAST('2026-05-01' AS DATE), CAST('2026-06-01' AS DATE)) AS DOUBLE) / 365.0 AS value
FROM gmv_lines
WHERE
  txn_date >= CAST('2025-06-01' AS DATE) AND txn_date < CAST('2026-06-01' AS DATE);
