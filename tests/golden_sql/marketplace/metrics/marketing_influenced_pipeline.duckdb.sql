-- marketing_influenced_pipeline (metric, 2026-05) on duckdb: scripts/golden_sql.py
SELECT
  CASE
    WHEN "create_date" < CAST('2026-06-01 05:00:00' AS TIMESTAMP)
    THEN '2026-05'
  END AS ns_period,
  SUM(
    amount * (
      (
        CASE
          WHEN first_touch IN ('paid_ads', 'event', 'email', 'webinar')
          THEN 0.5
          ELSE 0
        END
      ) + (
        CASE
          WHEN last_touch IN ('paid_ads', 'event', 'email', 'webinar')
          THEN 0.5
          ELSE 0
        END
      )
    )
  ) AS value
FROM "deals"
WHERE
  (
    (
      "create_date" >= CAST('2026-05-01 05:00:00' AS TIMESTAMP)
      AND "create_date" < CAST('2026-06-01 05:00:00' AS TIMESTAMP)
    )
  )
GROUP BY
  1;

SELECT
  1.10 * SUM(
    amount * (
      (
        CASE
          WHEN first_touch IN ('paid_ads', 'event', 'email', 'webinar')
          THEN 0.5
          ELSE 0
        END
      ) + (
        CASE
          WHEN last_touch IN ('paid_ads', 'event', 'email', 'webinar')
          THEN 0.5
          ELSE 0
        END
      )
    )
  ) AS value
FROM deals
WHERE
  create_date >= CAST('2025-05-01' AS DATE)
  AND create_date < CAST('2025-06-01' AS DATE);
