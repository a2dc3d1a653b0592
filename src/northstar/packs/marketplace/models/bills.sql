-- One row per bill, however many lines it is split over: its supplier, bill and due
-- dates, total and Bill.com status. A bill is paid when every line is Paid, otherwise it
-- carries the status of its lines that are not (Approved, Pending, W-9 Missing, Not
-- Onboarded, or Unknown when the source gives none). `bills` is 1, for adding bills up.
select bill_id,
       min(supplier_id) as supplier_id,
       min(txn_date) as bill_date,
       min(due_date) as due_date,
       sum(amount) as amount,
       case when count(case when bill_pay_status = 'Paid' then 1 end) = count(*) then 'Paid'
            else coalesce(max(case when bill_pay_status <> 'Paid' then bill_pay_status end),
                          'Unknown') end as bill_pay_status,
       count(case when bill_pay_status = 'Paid' then 1 end) = count(*) as paid,
       count(*) as lines,
       1 as bills
from bill_lines
group by bill_id
