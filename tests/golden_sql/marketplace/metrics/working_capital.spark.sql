-- working_capital (metric, 2026-05) on spark: scripts/golden_sql.py
SELECT
  MAX(current_assets - current_liabilities) AS value
FROM monthly_finance
WHERE
  month = (
    SELECT
      MAX(month)
    FROM monthly_finance
    WHERE
      month >= CAST('2026-05-01' AS DATE) AND month < CAST('2026-06-01' AS DATE)
  );
