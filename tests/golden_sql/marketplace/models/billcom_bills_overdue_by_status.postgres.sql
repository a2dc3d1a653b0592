-- billcom_bills_overdue_by_status (model) on postgres: scripts/golden_sql.py
/* "Bills overdue by Bill.com status" read from Bill.com itself (the `billcom` source): the */
/* same columns as `bills_overdue_by_status`, so the finance operations tile can read either. */
/* One row per bill that is not archived, with what is still due on it (Bill.com's dueAmount, */
/* its amount when the API gives none) and whether it is unpaid (something still due and not */
/* Paid), and the one status the seed names that is holding it up, first match wins: */
/*   Not Onboarded  its vendor cannot be paid yet: not connected in the BILL network */
/*                  (NOT_CONNECTED, or an invitation PENDING) with no bank account on file, or */
/*                  a vendor Bill.com no longer lists */
/*   W-9 Missing    its vendor is tracked for 1099 and has no tax id on file */
/*   Pending        the bill's approval is not done (UNASSIGNED, ASSIGNED, APPROVING, DENIED) */
/*   Approved       nothing holds it up: it waits for a payment run */
/* plus one row per status (`is_status_row`, no bill, $0), so a status with nothing overdue */
/* still shows, at 0. A tile keeps the status rows and the unpaid bills due before today */
/* (`{as_of}`): a bill due later this month, or today, is not overdue. */
WITH bills AS (
  SELECT
    b.source_id AS bill_id,
    b.vendor_id,
    b.due_date,
    b.approval_status,
    b.payment_status,
    COALESCE(b.due_amount, b.amount) AS amount_due
  FROM billcom_bills AS b
  WHERE
    NOT b.archived IS TRUE
), statused AS (
  SELECT
    b.*,
    CASE
      WHEN v.source_id IS NULL
      OR (
        NOT COALESCE(v.network_status, 'NOT_CONNECTED') IN ('CONNECTED', 'CONNECTED_RPPS')
        AND NOT v.bank_account_on_file IS TRUE
      )
      THEN 'Not Onboarded'
      WHEN v.track_1099 AND NOT v.tax_id_on_file IS TRUE
      THEN 'W-9 Missing'
      WHEN COALESCE(b.approval_status, '') <> 'APPROVED'
      THEN 'Pending'
      ELSE 'Approved'
    END AS bill_pay_status
  FROM bills AS b
  LEFT JOIN billcom_vendors AS v
    ON v.source_id = b.vendor_id AND NOT v.archived IS TRUE
)
SELECT
  bill_pay_status,
  1 AS bills,
  amount_due,
  due_date,
  amount_due > 0 AND COALESCE(payment_status, '') <> 'PAID' AS unpaid,
  FALSE AS is_status_row,
  CASE bill_pay_status
    WHEN 'Approved'
    THEN 1
    WHEN 'Pending'
    THEN 2
    WHEN 'W-9 Missing'
    THEN 3
    ELSE 4
  END AS status_order
FROM statused
UNION ALL
SELECT
  status,
  0,
  CAST(0 AS DECIMAL(18, 2)),
  CAST(NULL AS DATE),
  TRUE,
  TRUE,
  n
FROM (VALUES
  ('Approved', 1),
  ('Pending', 2),
  ('W-9 Missing', 3),
  ('Not Onboarded', 4)) AS s(status, n);
