-- budget_attainment (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  CAST((
    SELECT
      SUM(amount)
    FROM revenue_lines
    WHERE
      txn_date >= CAST('2026-05-01' AS DATE) AND txn_date < CAST('2026-06-01' AS DATE)
  ) AS DOUBLE) / NULLIF(
    (
      SELECT
        SUM(budget_net_revenue)
      FROM monthly_finance
      WHERE
        month >= CAST('2026-05-01' AS DATE) AND month < CAST('2026-06-01' AS DATE)
    ),
    0
  ) AS value;
