-- What organisers are paid: bill lines on 4200-4230 (positive) less vendor credits on the same
-- accounts (negative). supplier_id is NULL for bills not linked to a supplier on the platform.
select id as line_id, txn_date, 'bill' as kind, supplier_id, account_number, amount,
       bill_pay_status,
       {{ tags() }}
from bill_lines
where account_number between '4200' and '4230'
union all
select id, txn_date, 'vendor_credit', supplier_id, account_number, -amount,
       cast(null as varchar),
       {{ tags() }}
from vendor_credit_lines
where account_number between '4200' and '4230'
