-- bills_overdue_by_status (model) on spark: scripts/golden_sql.py
/* The bills behind "bills overdue by Bill.com status": each bill once (model `bills`) with what */
/* is still due on it (its total less the payments on record) and whether it is unpaid (some of */
/* it still due, unless Bill.com shows it Paid with no payment on record), plus one row per */
/* status the seed names (Approved, Pending, W-9 Missing, Not Onboarded: `is_status_row`, no */
/* bill, $0), so a status with nothing overdue still shows, at 0. A dashboard tile keeps the */
/* status rows and the unpaid bills due before today (`{as_of}`), and adds them up by status. */
WITH paid AS (
  SELECT
    bill_id,
    SUM(amount) AS paid
  FROM bill_payments
  GROUP BY
    bill_id
)
SELECT
  b.bill_pay_status,
  b.bills,
  b.amount - COALESCE(p.paid, 0) AS amount_due,
  b.due_date,
  b.amount - COALESCE(p.paid, 0) > 0 AND NOT (
    b.paid AND p.bill_id IS NULL
  ) AS unpaid,
  FALSE AS is_status_row,
  CASE b.bill_pay_status
    WHEN 'Approved'
    THEN 1
    WHEN 'Pending'
    THEN 2
    WHEN 'W-9 Missing'
    THEN 3
    WHEN 'Not Onboarded'
    THEN 4
    ELSE 5
  END AS status_order
FROM bills AS b
LEFT JOIN paid AS p
  ON p.bill_id = b.bill_id
UNION ALL
SELECT
  status,
  0,
  CAST(0 AS DECIMAL(18, 2)),
  CAST(NULL AS DATE),
  TRUE,
  TRUE,
  n
FROM VALUES
  ('Approved', 1),
  ('Pending', 2),
  ('W-9 Missing', 3),
  ('Not Onboarded', 4) AS s(status, n);
