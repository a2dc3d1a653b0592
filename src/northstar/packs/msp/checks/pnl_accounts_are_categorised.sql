-- description: Every account on the Profit & Loss has a QBR category in the account categories
--   reference list (reference/account_categories.csv). An account without one counts in no
--   revenue or expense line, so total revenue, expenses and net profit would be short.
-- severity: error
select account, min(month) as first_month, max(month) as last_month, count(*) as months,
       sum(amount) as amount
from pnl_lines
where category is null
group by account
