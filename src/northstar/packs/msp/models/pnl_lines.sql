-- The Profit & Loss by month, one row per account and month, with the QBR category of each
-- account (the account categories reference list, by the account's full name). Amounts are
-- as the report prints them: income and expenses both positive. profit_amount is signed for
-- net profit: income positive, expenses negative. An account the list does not map has no
-- category and counts nowhere (the check pnl_accounts_are_categorised lists it).
select p.id as line_id, p.month, p.account_number, p.account, c.category,
       case when c.category in ('mrr', 'orr', 'nrr', 'product_sales') then 'income'
            when c.category is not null then 'expense' end as kind,
       p.amount,
       case when c.category in ('mrr', 'orr', 'nrr', 'product_sales') then p.amount
            when c.category is not null then -p.amount
            else 0 end as profit_amount,
       {{ tags('p') }}
from profit_and_loss as p
left join ref_account_categories as c on c.account = p.account
