-- The chart of accounts, in the QuickBooks connector's shape (qbo_accounts): what the general
-- ledger reads to tell a P&L account (classification Revenue or Expense) from a balance sheet
-- one (Asset, Liability, Equity), and which accounts are receivable, payable and undeposited
-- funds. A blank classification is derived from the account type by the models.
select
  cast(a.id as varchar) as id,
  cast(a.name as varchar) as name,
  cast(a.fully_qualified_name as varchar) as fully_qualified_name,
  cast(a.account_type as varchar) as account_type,
  cast(a.account_sub_type as varchar) as account_sub_type,
  cast(a.classification as varchar) as classification,
  cast(a.account_number as varchar) as acct_num,
  cast(a.balance as decimal(18, 2)) as current_balance,
  coalesce(lower(cast(a.active as varchar)) in ('true', 't', '1'), true) as active,
  cast(a.updated_at as timestamp) as updated_at,
  coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(a._fivetran_synced as timestamp) as fivetran_synced
from account as a
