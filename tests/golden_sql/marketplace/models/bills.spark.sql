-- bills (model) on spark: scripts/golden_sql.py
/* One row per bill, however many lines it is split over: its supplier, bill and due */
/* dates, total and Bill.com status. A bill is paid when every line is Paid, otherwise it */
/* carries the status of its lines that are not (Approved, Pending, W-9 Missing, Not */
/* Onboarded, or Unknown when the source gives none). `bills` is 1, for adding bills up. */
SELECT
  bill_id,
  MIN(supplier_id) AS supplier_id,
  MIN(txn_date) AS bill_date,
  MIN(due_date) AS due_date,
  SUM(amount) AS amount,
  CASE
    WHEN COUNT(CASE WHEN bill_pay_status = 'Paid' THEN 1 END) = COUNT(*)
    THEN 'Paid'
    ELSE COALESCE(MAX(CASE WHEN bill_pay_status <> 'Paid' THEN bill_pay_status END), 'Unknown')
  END AS bill_pay_status,
  COUNT(CASE WHEN bill_pay_status = 'Paid' THEN 1 END) = COUNT(*) AS paid,
  COUNT(*) AS lines,
  1 AS bills
FROM bill_lines
GROUP BY
  bill_id;
