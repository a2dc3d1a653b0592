-- The bills behind "bills overdue by Bill.com status", from Bill.com itself when the `billcom`
-- source is loaded (model billcom_bills_overdue_by_status: the status that holds each bill up,
-- read from its approval and its vendor's onboarding and W-9), otherwise from the books.
select * from billcom_bills_overdue_by_status
-- otherwise
-- The bills behind "bills overdue by Bill.com status": each bill once (model `bills`) with what
-- is still due on it (its total less the payments on record) and whether it is unpaid (some of
-- it still due, unless Bill.com shows it Paid with no payment on record), plus one row per
-- status the seed names (Approved, Pending, W-9 Missing, Not Onboarded: `is_status_row`, no
-- bill, $0), so a status with nothing overdue still shows, at 0. A dashboard tile keeps the
-- status rows and the unpaid bills due before today (`{as_of}`), and adds them up by status.
with paid as (
  select bill_id, sum(amount) as paid
  from bill_payments
  group by bill_id
)
select b.bill_pay_status, b.bills, b.amount - coalesce(p.paid, 0) as amount_due, b.due_date,
       b.amount - coalesce(p.paid, 0) > 0 and not (b.paid and p.bill_id is null) as unpaid,
       false as is_status_row,
       case b.bill_pay_status when 'Approved' then 1 when 'Pending' then 2
            when 'W-9 Missing' then 3 when 'Not Onboarded' then 4 else 5 end as status_order
from bills as b
left join paid as p on p.bill_id = b.bill_id
union all
select status, 0, cast(0 as decimal(18, 2)), cast(null as date), true, true, n
from (values ('Approved', 1), ('Pending', 2), ('W-9 Missing', 3), ('Not Onboarded', 4))
  as s(status, n)
