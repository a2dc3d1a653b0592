-- Net payout retention by year, matched to the P&L: gross organiser bills and vendor credits on
-- accounts 4200-4230, net payouts (bills - vendor credits) and NPR (net payouts / the prior
-- year's). Read straight from the accounting lines, linked to a supplier or not.
with bills as (
  select {{ year_of('txn_date') }} as year, sum(amount) as gross_bills
  from bill_lines
  where account_number between '4200' and '4230'
  group by 1
),
credits as (
  select {{ year_of('txn_date') }} as year, sum(amount) as vendor_credits
  from vendor_credit_lines
  where account_number between '4200' and '4230'
  group by 1
),
yearly as (
  select coalesce(b.year, c.year) as year,
         coalesce(b.gross_bills, 0) as gross_bills,
         coalesce(c.vendor_credits, 0) as vendor_credits
  from bills as b
  full outer join credits as c on c.year = b.year
)
select year, gross_bills, vendor_credits, gross_bills - vendor_credits as net_payouts,
       cast(gross_bills - vendor_credits as double)
       / nullif(cast(lag(gross_bills - vendor_credits) over (order by year) as double), 0)
       as npr
from yearly
