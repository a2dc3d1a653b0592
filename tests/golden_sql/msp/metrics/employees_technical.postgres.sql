-- employees_technical (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  MAX(value) AS value
FROM monthly_inputs
WHERE
  input = 'employees_technical'
  AND month = (
    SELECT
      MAX(month)
    FROM monthly_inputs
    WHERE
      input = 'employees_technical'
      AND month >= CAST('2026-05-01' AS DATE)
      AND month < CAST('2026-06-01' AS DATE)
  );
