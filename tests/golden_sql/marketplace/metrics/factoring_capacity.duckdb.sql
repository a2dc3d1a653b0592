-- factoring_capacity (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  MAX(facility_limit - balance) AS value
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
