-- description: Where QuickBooks' own P&L report (profit_and_loss) is loaded too, the P&L built
--   from the books equals it, for every month the report covers and every account (by number,
--   else by name).
-- severity: error
with reported as (
  select month, coalesce(account_number, account) as account_key, sum(amount) as reported
  from profit_and_loss
  group by 1, 2
),
books as (
  select month, coalesce(account_number, account_name) as account_key, sum(amount) as books
  from pnl_by_account_month
  where month between (select min(month) from profit_and_loss)
                  and (select max(month) from profit_and_loss)
  group by 1, 2
)
select coalesce(b.month, r.month) as month, coalesce(b.account_key, r.account_key) as account,
       b.books, r.reported, coalesce(b.books, 0) - coalesce(r.reported, 0) as difference
from books as b
full outer join reported as r on r.month = b.month and r.account_key = b.account_key
where abs(coalesce(b.books, 0) - coalesce(r.reported, 0)) >= 0.01
