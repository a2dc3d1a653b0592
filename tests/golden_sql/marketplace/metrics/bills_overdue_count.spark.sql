-- bills_overdue_count (metric, 2026-05) on spark: scripts/golden_sql.py
WITH paid AS (
  SELECT
    bill_id,
    SUM(amount) AS paid
  FROM bill_payments
  WHERE
    payment_date <= CAST('2026-05-31' AS DATE)
  GROUP BY
    bill_id
), recorded AS (
  SELECT DISTINCT
    bill_id
  FROM bill_payments
)
SELECT
  COUNT(*) AS value
FROM bills AS b
LEFT JOIN paid AS p
  ON p.bill_id = b.bill_id
LEFT JOIN recorded AS r
  ON r.bill_id = b.bill_id
WHERE
  b.bill_date <= CAST('2026-05-31' AS DATE)
  AND b.due_date < CAST('2026-05-31' AS DATE)
  AND COALESCE(p.paid, 0) < b.amount
  AND NOT (
    b.paid AND r.bill_id IS NULL
  );

SELECT
  0.05 * COUNT(*) AS value
FROM bills
WHERE
  due_date <= CAST('2026-05-31' AS DATE)
  AND due_date > CAST('2026-05-31' AS DATE) - 30;
