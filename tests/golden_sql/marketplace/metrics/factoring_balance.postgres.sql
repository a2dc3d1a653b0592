-- factoring_balance (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  MAX(balance) AS value
FROM factoring_statements
WHERE
  statement_date = (
    SELECT
      MAX(statement_date)
    FROM factoring_statements
    WHERE
      statement_date >= CAST('2026-05-01' AS DATE)
      AND statement_date < CAST('2026-06-01' AS DATE)
  );
