-- bills_overdue_by_status (model) on spark: scripts/golden_sql.py
/* The bills behind "bills overdue by Bill.com status", from Bill.com itself when the `billcom` */
/* source is loaded (model billcom_bills_overdue_by_status: the status that holds each bill up, */
/* read from its approval and its vendor's onboarding and W-9), otherwise from the books. */
SELECT
  *
FROM billcom_bills_overdue_by_status;
