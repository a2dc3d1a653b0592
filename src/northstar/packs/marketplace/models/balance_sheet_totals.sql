-- The balance sheet's totals at each month end: assets, liabilities, equity (with the profit
-- or loss to date), current assets and current liabilities (the working capital lines), and
-- cash (bank accounts).
select b.month,
       cast(sum(case when b.classification = 'Asset' then b.balance else 0 end)
            as decimal(18, 2)) as assets,
       cast(sum(case when b.classification = 'Liability' then b.balance else 0 end)
            as decimal(18, 2)) as liabilities,
       cast(sum(case when b.classification = 'Equity' then b.balance else 0 end)
            as decimal(18, 2)) as equity,
       cast(sum(case when a.is_current_asset then b.balance else 0 end)
            as decimal(18, 2)) as current_assets,
       cast(sum(case when a.is_current_liability then b.balance else 0 end)
            as decimal(18, 2)) as current_liabilities,
       cast(sum(case when a.is_cash then b.balance else 0 end) as decimal(18, 2)) as cash
from balance_sheet as b
left join ledger_accounts as a on a.account_id = b.account_id
group by b.month
