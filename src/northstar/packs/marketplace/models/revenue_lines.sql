-- Every line that moves net revenue, signed so that sum(amount) is net revenue (matches the P&L):
-- GMV (invoice lines on 4110-4169) + discounts (4190, negative) - credit memos (4110-4169)
-- - organiser payouts (bill lines on 4200-4230) + vendor credits (4200-4230).
select id as line_id, txn_date, 'gmv' as kind, customer_id, cast(null as varchar) as supplier_id,
       account_number, amount,
       {{ tags() }}
from invoice_lines
where account_number between '4110' and '4169'
union all
select id, txn_date, 'discount', customer_id, null, account_number, amount,
       {{ tags() }}
from invoice_lines
where account_number = '4190'
union all
select id, txn_date, 'credit_memo', customer_id, null, account_number, -amount,
       {{ tags() }}
from credit_memo_lines
where account_number between '4110' and '4169'
union all
select id, txn_date, 'payout', null, supplier_id, account_number, -amount,
       {{ tags() }}
from bill_lines
where account_number between '4200' and '4230'
union all
select id, txn_date, 'vendor_credit', null, supplier_id, account_number, amount,
       {{ tags() }}
from vendor_credit_lines
where account_number between '4200' and '4230'
