-- Bills overdue at each month's last day: bills (one per bill id, however many lines it is
-- split over) entered by that day, past their due date and not paid in full by the payments
-- dated by that day, for what is still due on them; a bill Bill.com shows as Paid with no
-- payment on record is never counted. Target: 5% of the bill dollars due in the 30 days to it.
WITH months AS (
  SELECT m::DATE AS month, (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS as_of
  FROM range($start::TIMESTAMP, $end::TIMESTAMP, INTERVAL 1 MONTH) AS t(m)
),
bills AS (
  SELECT bill_id, min(txn_date) AS bill_date, min(due_date) AS due_date, sum(amount) AS amount,
         count(CASE WHEN bill_pay_status = 'Paid' THEN 1 END) = count(*) AS paid
  FROM raw_bill_lines
  GROUP BY bill_id
),
recorded AS (SELECT DISTINCT bill_id FROM raw_bill_payments),
paid AS (
  SELECT m.month, p.bill_id, sum(p.amount) AS paid
  FROM months AS m JOIN raw_bill_payments AS p ON p.payment_date <= m.as_of
  GROUP BY 1, 2
),
overdue AS (
  SELECT m.month, sum(b.amount - coalesce(d.paid, 0)) AS owed
  FROM months AS m
  JOIN bills AS b ON b.bill_date <= m.as_of AND b.due_date < m.as_of
  LEFT JOIN paid AS d ON d.month = m.month AND d.bill_id = b.bill_id
  LEFT JOIN recorded AS r ON r.bill_id = b.bill_id
  WHERE coalesce(d.paid, 0) < b.amount AND NOT (b.paid AND r.bill_id IS NULL)
  GROUP BY 1
),
due AS (
  SELECT m.month, 0.05 * sum(b.amount) AS target
  FROM months AS m JOIN bills AS b ON b.due_date <= m.as_of AND b.due_date > m.as_of - 30
  GROUP BY 1
)
SELECT strftime(m.month, '%Y-%m') AS period, coalesce(o.owed, 0) AS value, t.target
FROM months AS m LEFT JOIN overdue AS o USING (month) LEFT JOIN due AS t USING (month)
