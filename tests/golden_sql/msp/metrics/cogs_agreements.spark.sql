-- cogs_agreements (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CASE WHEN `month` < CAST('2026-06-01' AS DATE) THEN '2026-05' END AS ns_period,
  SUM(amount) AS value
FROM `pnl_lines`
WHERE
  (
    (
      `month` >= CAST('2026-05-01' AS DATE) AND `month` < CAST('2026-06-01' AS DATE)
    )
  )
  AND (
    category = 'cogs_agreements'
  )
GROUP BY
  1;

SELECT
  0.10 * NULLIF(SUM(amount), 0) AS value
FROM pnl_lines
WHERE
  category IN ('mrr', 'orr')
  AND month >= CAST('2026-05-01' AS DATE)
  AND month < CAST('2026-06-01' AS DATE);
