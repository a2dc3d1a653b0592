-- warranty_costs (metric, 2026-06-14) on duckdb: scripts/golden_sql.py
SELECT
  CASE
    WHEN "start_at" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
    THEN '2026-06-14'
  END AS ns_period,
  SUM(CASE WHEN job_type_category = 'warranty' THEN total_cost ELSE 0 END) AS value
FROM "job_costing"
WHERE
  (
    (
      "start_at" >= CAST('2026-06-14 07:00:00' AS TIMESTAMP)
      AND "start_at" < CAST('2026-06-15 07:00:00' AS TIMESTAMP)
    )
  )
  AND (
    department = 'production' AND job_type_category IN ('production', 'warranty')
  )
GROUP BY
  1;
