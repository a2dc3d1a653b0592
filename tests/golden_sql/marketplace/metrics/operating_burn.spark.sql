-- operating_burn (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  (
    SELECT
      SUM(operating_expenses)
    FROM monthly_finance
    WHERE
      month >= CAST('2026-05-01' AS DATE) AND month < CAST('2026-06-01' AS DATE)
  ) - (
    SELECT
      COALESCE(SUM(amount), 0)
    FROM revenue_lines
    WHERE
      txn_date >= CAST('2026-05-01' AS DATE) AND txn_date < CAST('2026-06-01' AS DATE)
  ) AS value;
