-- description: The general ledger built from the books balances: every document's debits
--   equal its credits, every posting's account is in the chart of accounts, and at every
--   month end assets equal liabilities plus equity (the profit or loss to date included).
-- severity: error
select 'document' as kind, source_type || ' ' || source_id as item, cast(null as date) as month,
       cast(sum(debit) as decimal(18, 2)) as debits, cast(sum(credit) as decimal(18, 2)) as credits,
       cast(sum(amount) as decimal(18, 2)) as difference
from gl_entries
group by source_type, source_id
having abs(sum(amount)) >= 0.01
union all
select 'account not in the chart of accounts', coalesce(account_id, '(none)') || ' ('
       || cast(count(*) as varchar) || ' postings)', cast(null as date),
       cast(sum(debit) as decimal(18, 2)), cast(sum(credit) as decimal(18, 2)),
       cast(sum(amount) as decimal(18, 2))
from gl_entries
where classification is null
group by account_id
union all
select 'balance sheet', 'assets = liabilities + equity', month, assets, liabilities + equity,
       assets - liabilities - equity
from balance_sheet_totals
where abs(assets - liabilities - equity) >= 0.01
