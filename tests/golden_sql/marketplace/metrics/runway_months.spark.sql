-- runway_months (metric, 2026-05) on spark: scripts/golden_sql.py
WITH months AS (
  SELECT
    month,
    operating_expenses,
    cash_balance
  FROM monthly_finance
  WHERE
    month >= CAST('2026-06-01' AS DATE) - INTERVAL '3' MONTH
    AND month < CAST('2026-06-01' AS DATE)
), burn /* -1 stands for "not burning" (labels below); cash below zero is no runway at all */ AS (
  SELECT
    (
      SELECT
        SUM(operating_expenses)
      FROM months
    ) - (
      SELECT
        COALESCE(SUM(amount), 0)
      FROM revenue_lines
      WHERE
        txn_date >= CAST('2026-06-01' AS DATE) - INTERVAL '3' MONTH
        AND txn_date < CAST('2026-06-01' AS DATE)
    ) AS total,
    (
      SELECT
        COUNT(*)
      FROM months
    ) AS n
)
SELECT
  CASE
    WHEN burn.n = 0
    THEN NULL
    WHEN burn.total <= 0
    THEN -1
    ELSE CAST(GREATEST(
      (
        SELECT
          MAX(cash_balance)
        FROM months
        WHERE
          month = (
            SELECT
              MAX(month)
            FROM months
          )
      ),
      0
    ) AS DOUBLE) / (
      burn.total / burn.n
    )
  END AS value
FROM burn;
