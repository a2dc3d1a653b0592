-- cash (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  MAX(cash) AS value
FROM cash_position
WHERE
  month = (
    SELECT
      MAX(month)
    FROM cash_position
    WHERE
      month >= CAST('2026-05-01' AS DATE) AND month < CAST('2026-06-01' AS DATE)
  );
