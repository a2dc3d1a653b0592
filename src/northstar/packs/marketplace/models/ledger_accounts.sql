-- The chart of accounts as the general ledger reads it (QuickBooks' accounts, from the
-- connector or Fivetran's `account` table): each account's number, name, type and
-- classification (Asset, Liability, Equity, Revenue, Expense, derived from the type where
-- QuickBooks left it blank), and where it sits on the balance sheet.
with accounts as (
  select id, acct_num, name, account_type, account_sub_type,
         coalesce(classification,
                  case when account_type in ('Bank', 'Accounts Receivable', 'Other Current Asset',
                                             'Fixed Asset', 'Other Asset') then 'Asset'
                       when account_type in ('Accounts Payable', 'Credit Card',
                                             'Other Current Liability', 'Long Term Liability')
                         then 'Liability'
                       when account_type = 'Equity' then 'Equity'
                       when account_type in ('Income', 'Other Income') then 'Revenue'
                       when account_type in ('Expense', 'Other Expense', 'Cost of Goods Sold')
                         then 'Expense' end) as classification
  from qbo_accounts
)
select cast(id as varchar) as account_id, cast(acct_num as varchar) as account_number,
       cast(name as varchar) as account_name, account_type, account_sub_type, classification,
       classification in ('Revenue', 'Expense') as is_pnl,
       account_type = 'Bank' as is_cash,
       account_type in ('Bank', 'Accounts Receivable', 'Other Current Asset') as is_current_asset,
       account_type in ('Accounts Payable', 'Credit Card', 'Other Current Liability')
         as is_current_liability
from accounts
