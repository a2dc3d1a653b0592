-- The balance sheet built from the books, at the end of every month from the first posting to
-- the last: each balance sheet account's balance (what was posted to it up to the month's end),
-- in its own sign (assets debit positive, liabilities and equity credit positive), and the
-- profit or loss to date as the equity line "Retained earnings (from the P&L)". A posting
-- without a date or without a known account is left out.
with months as (
  {{ period_spine('month', '(select min(txn_date) from gl_entries)',
                  '(select max(txn_date) from gl_entries)') }}
),
lines as (
  select m.period_start as month, e.account_id, e.account_number, e.account_name,
         e.account_type, e.classification,
         case when e.classification = 'Asset' then e.amount else -e.amount end as amount
  from months as m
  join gl_entries as e on e.txn_date < m.period_end
  where e.classification in ('Asset', 'Liability', 'Equity')
  union all
  select m.period_start, cast(null as varchar), cast(null as varchar),
         'Retained earnings (from the P&L)', 'Equity', 'Equity', -e.amount
  from months as m
  join gl_entries as e on e.txn_date < m.period_end
  where e.classification in ('Revenue', 'Expense')
)
select month, account_id, account_number, account_name, account_type, classification,
       cast(sum(amount) as decimal(18, 2)) as balance
from lines
group by month, account_id, account_number, account_name, account_type, classification
