-- seats_managed (metric, 2026-05) on postgres: scripts/golden_sql.py
SELECT
  COUNT(*) AS value
FROM managed_devices
WHERE
  is_seat
  AND is_approved
  AND created < CAST('2026-06-01 05:00:00' AS TIMESTAMP)
  AND (
    removed_at IS NULL OR removed_at >= CAST('2026-06-01 05:00:00' AS TIMESTAMP)
  );

SELECT
  1.10 * NULLIF(COUNT(*), 0) AS value
FROM managed_devices
WHERE
  is_seat
  AND is_approved
  AND created < CAST('2025-06-01 05:00:00' AS TIMESTAMP)
  AND (
    removed_at IS NULL OR removed_at >= CAST('2025-06-01 05:00:00' AS TIMESTAMP)
  );
