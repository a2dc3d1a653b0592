-- The general ledger's postings before the chart of accounts is joined (gl_entries reads this):
-- each accounting document posts its lines and their other side, so every document balances.
-- Amounts are signed: a debit is positive, a credit negative. The other side of a sale or a
-- credit memo is Accounts Receivable, of a bill or a vendor credit Accounts Payable (the
-- company's first account of that type), and a payment goes to its deposit account, else to
-- Undeposited Funds. Each part needs its tables: a kind of document not loaded is left out.
-- (line_and_other_side: macros/ledger.sql)
{{ line_and_other_side('invoice', 'invoice_lines', 'invoice_id', 'customer_id', '-',
                        'Accounts Receivable') }}
-- union all when loaded
{{ line_and_other_side('credit_memo', 'credit_memo_lines', 'credit_memo_id', 'customer_id', '+',
                        'Accounts Receivable') }}
-- union all when loaded
{{ line_and_other_side('bill', 'bill_lines', 'bill_id', 'supplier_id', '+',
                        'Accounts Payable') }}
-- union all when loaded
{{ line_and_other_side('vendor_credit', 'vendor_credit_lines', 'vendor_credit_id', 'supplier_id',
                        '-', 'Accounts Payable') }}
-- union all when loaded
with ar as (select min(account_id) as account_id from ledger_accounts
            where account_type = 'Accounts Receivable'),
undeposited as (select min(account_id) as account_id from ledger_accounts
                where account_sub_type = 'UndepositedFunds')
select 'payment' as source_type, p.payment_id as source_id, p.id || ':ar' as id,
       p.payment_date as txn_date, ar.account_id, cast(null as varchar) as account_number,
       cast(-p.amount as decimal(18, 2)) as amount, p.customer_id as party_id
from payments as p cross join ar
union all
select 'payment', p.payment_id, p.id || ':deposit', p.payment_date,
       coalesce(p.account_id, u.account_id), cast(null as varchar),
       cast(p.amount as decimal(18, 2)), p.customer_id
from payments as p cross join undeposited as u
-- union all when loaded
with ap as (select min(account_id) as account_id from ledger_accounts
            where account_type = 'Accounts Payable')
select 'bill_payment' as source_type, p.bill_payment_id as source_id, p.id || ':ap' as id,
       p.payment_date as txn_date, ap.account_id, cast(null as varchar) as account_number,
       cast(p.amount as decimal(18, 2)) as amount, p.supplier_id as party_id
from bill_payments as p cross join ap
union all
select 'bill_payment', p.bill_payment_id, p.id || ':bank', p.payment_date, p.account_id,
       cast(null as varchar), cast(-p.amount as decimal(18, 2)), p.supplier_id
from bill_payments as p
-- union all when loaded
select 'journal_entry' as source_type, l.journal_entry_id as source_id, l.id || ':line' as id,
       l.txn_date, l.account_id, l.account_number,
       cast(case when lower(l.posting_type) = 'credit' then -l.amount else l.amount end
            as decimal(18, 2)) as amount,
       cast(null as varchar) as party_id
from journal_entry_lines as l
-- union all when loaded
with undeposited as (select min(account_id) as account_id from ledger_accounts
                     where account_sub_type = 'UndepositedFunds')
select 'deposit' as source_type, l.deposit_id as source_id, l.id || ':bank' as id, l.txn_date,
       l.deposit_account_id as account_id, cast(null as varchar) as account_number,
       cast(l.amount as decimal(18, 2)) as amount, cast(null as varchar) as party_id
from deposit_lines as l
union all
select 'deposit', l.deposit_id, l.id || ':line', l.txn_date,
       coalesce(l.account_id, u.account_id), l.account_number,
       cast(-l.amount as decimal(18, 2)), cast(null as varchar)
from deposit_lines as l cross join undeposited as u
-- union all when loaded
select 'purchase' as source_type, l.purchase_id as source_id, l.id || ':line' as id,
       l.txn_date, l.account_id, l.account_number,
       cast(case when l.is_credit then -l.amount else l.amount end as decimal(18, 2)) as amount,
       l.supplier_id as party_id
from purchase_lines as l
union all
select 'purchase', l.purchase_id, l.id || ':paid', l.txn_date, l.payment_account_id,
       cast(null as varchar),
       cast(case when l.is_credit then l.amount else -l.amount end as decimal(18, 2)),
       l.supplier_id
from purchase_lines as l
