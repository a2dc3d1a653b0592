-- weighted_forecast (metric, 2026-Q1) on spark: scripts/golden_sql.py
SELECT
  CAST((
    SELECT
      SUM(amount * stage_probability)
    FROM deals
    WHERE
      close_date >= CAST('2026-01-01' AS DATE)
      AND close_date < CAST('2026-04-01' AS DATE)
  ) AS DOUBLE) / NULLIF(
    (
      SELECT
        SUM(quota)
      FROM quotas
      WHERE
        period_start >= CAST('2026-01-01' AS DATE)
        AND period_start < CAST('2026-04-01' AS DATE)
    ),
    0
  ) AS value;
