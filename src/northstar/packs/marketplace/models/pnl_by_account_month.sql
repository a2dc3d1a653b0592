-- The P&L built from the books: one row per month and P&L account (classification Revenue or
-- Expense), in the report's signs: income positive when credited, costs positive when debited
-- (a discount on an income account, a vendor credit on a cost account, come out negative).
select month, account_id, account_number, max(account_name) as account_name,
       max(classification) as classification, max(account_type) as account_type,
       cast(sum(case when classification = 'Revenue' then -amount else amount end)
            as decimal(18, 2)) as amount
from gl_entries
where classification in ('Revenue', 'Expense') and month is not null
group by month, account_id, account_number
