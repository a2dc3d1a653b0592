-- revenue_vs_plan (metric, 2026-05) on spark: scripts/golden_sql.py
WITH cash AS (
  SELECT
    SUM(net_amount) AS v
  FROM cash_movements
  WHERE
    created >= CAST('2026-05-01 06:00:00' AS TIMESTAMP_NTZ)
    AND created < CAST('2026-06-01 06:00:00' AS TIMESTAMP_NTZ)
), plan /* the plan to date: the whole plan once the period is over, its days gone while it runs */ AS (
  SELECT
    SUM(value) AS v
  FROM finance_figures
  WHERE
    item = 'cash_plan'
    AND month >= CAST('2026-05-01' AS DATE)
    AND month < CAST('2026-06-01' AS DATE)
)
SELECT
  CAST(cash.v AS DOUBLE) / NULLIF(
    plan.v * LEAST(
      1.0,
      1.0 * (
        DATEDIFF(DAY, CAST('2026-05-01' AS DATE), CAST('2026-05-31' AS DATE)) + 1
      ) / DATEDIFF(DAY, CAST('2026-05-01' AS DATE), CAST('2026-06-01' AS DATE))
    ),
    0
  ) AS value
FROM cash
CROSS JOIN plan;
