-- agreements (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  COUNT(*) AS value
FROM agreements
WHERE
  start_date < CAST('2026-06-01' AS DATE)
  AND NOT is_cancelled
  AND (
    has_no_end OR end_date >= CAST('2026-06-01' AS DATE) - INTERVAL '1 DAY'
  );

SELECT
  1.10 * NULLIF(COUNT(*), 0) AS value
FROM agreements
WHERE
  start_date < CAST('2025-06-01' AS DATE)
  AND NOT is_cancelled
  AND (
    has_no_end OR end_date >= CAST('2025-06-01' AS DATE) - INTERVAL '1 DAY'
  );
