-- new_mrr (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `month` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(value) AS value
FROM `monthly_inputs`
WHERE
  (
    (
      `month` >= CAST('2026-05-01' AS DATE) AND `month` < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    input = 'new_mrr'
  )
GROUP BY
  1;

SELECT
  0.02 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category = 'mrr'
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
