-- "Bills overdue by Bill.com status" read from Bill.com itself (the `billcom` source): the
-- same columns as `bills_overdue_by_status`, so the finance operations tile can read either.
-- One row per bill that is not archived, with what is still due on it (Bill.com's dueAmount,
-- its amount when the API gives none) and whether it is unpaid (something still due and not
-- Paid), and the one status the seed names that is holding it up, first match wins:
--   Not Onboarded  its vendor cannot be paid yet: not connected in the BILL network
--                  (NOT_CONNECTED, or an invitation PENDING) with no bank account on file, or
--                  a vendor Bill.com no longer lists
--   W-9 Missing    its vendor is tracked for 1099 and has no tax id on file
--   Pending        the bill's approval is not done (UNASSIGNED, ASSIGNED, APPROVING, DENIED)
--   Approved       nothing holds it up: it waits for a payment run
-- plus one row per status (`is_status_row`, no bill, $0), so a status with nothing overdue
-- still shows, at 0. A tile keeps the status rows and the unpaid bills due before today
-- (`{as_of}`): a bill due later this month, or today, is not overdue.
with bills as (
  select b.source_id as bill_id, b.vendor_id, b.due_date, b.approval_status,
         b.payment_status, coalesce(b.due_amount, b.amount) as amount_due
  from billcom_bills as b
  where b.archived is not true
),
statused as (
  select b.*,
         case
           when v.source_id is null
             or (coalesce(v.network_status, 'NOT_CONNECTED')
                   not in ('CONNECTED', 'CONNECTED_RPPS')
                 and v.bank_account_on_file is not true) then 'Not Onboarded'
           when v.track_1099 and v.tax_id_on_file is not true then 'W-9 Missing'
           when coalesce(b.approval_status, '') <> 'APPROVED' then 'Pending'
           else 'Approved'
         end as bill_pay_status
  from bills as b
  left join billcom_vendors as v on v.source_id = b.vendor_id and v.archived is not true
)
select bill_pay_status, 1 as bills, amount_due, due_date,
       amount_due > 0 and coalesce(payment_status, '') <> 'PAID' as unpaid,
       false as is_status_row,
       case bill_pay_status when 'Approved' then 1 when 'Pending' then 2
            when 'W-9 Missing' then 3 else 4 end as status_order
from statused
union all
select status, 0, cast(0 as decimal(18, 2)), cast(null as date), true, true, n
from (values ('Approved', 1), ('Pending', 2), ('W-9 Missing', 3), ('Not Onboarded', 4))
  as s(status, n)
