-- npr (metric, 2025) on spark: scripts/golden_sql.py
SELECT
  CAST((
    SELECT
      SUM(amount)
    FROM payout_lines
    WHERE
      txn_date >= CAST('2025-01-01' AS DATE) AND txn_date < CAST('2026-01-01' AS DATE)
  ) AS DOUBLE) / NULLIF(
    (
      SELECT
        SUM(amount)
      FROM payout_lines
      WHERE
        txn_date >= CAST('2024-01-01' AS DATE) AND txn_date < CAST('2025-01-01' AS DATE)
    ),
    0
  ) AS value;
