-- description: Where QuickBooks' own P&L report (profit_and_loss) is loaded too, the P&L built
--   from the books equals it, for every month the report covers and every account number
--   (an account without a number in the books or the report is not compared).
-- severity: error
with reported as (
  select month, account_number, sum(amount) as reported
  from profit_and_loss
  where account_number is not null
  group by 1, 2
),
books as (
  select month, account_number, sum(amount) as books
  from pnl_by_account_month
  where account_number is not null
    and month between (select min(month) from profit_and_loss)
                  and (select max(month) from profit_and_loss)
  group by 1, 2
)
select coalesce(b.month, r.month) as month, coalesce(b.account_number, r.account_number)
         as account,
       b.books, r.reported, coalesce(b.books, 0) - coalesce(r.reported, 0) as difference
from books as b
full outer join reported as r on r.month = b.month and r.account_number = b.account_number
where abs(coalesce(b.books, 0) - coalesce(r.reported, 0)) >= 0.01
