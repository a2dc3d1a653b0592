-- One row per invoice: total of all its lines (GMV and discounts), what has been paid so far,
-- the date of the last payment, and days from invoice date to that payment when paid in full.
with lines as (
  select invoice_id,
         min(customer_id) as customer_id,
         min(txn_date) as txn_date,
         min(due_date) as due_date,
         sum(amount) as total,
         {{ tags(agg='min') }}
  from invoice_lines
  group by invoice_id
),
paid as (
  select invoice_id, sum(amount) as paid_amount, max(payment_date) as paid_date
  from payments
  group by invoice_id
)
select l.invoice_id, l.customer_id, l.txn_date, l.due_date, l.total,
       coalesce(p.paid_amount, cast(0 as decimal(18, 2))) as paid_amount,
       p.paid_date,
       case when p.paid_amount >= l.total then date_diff('day', l.txn_date, p.paid_date) end
         as days_to_pay,
       {{ tags('l') }}
from lines as l
left join paid as p on p.invoice_id = l.invoice_id
