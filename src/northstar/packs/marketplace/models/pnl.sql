-- The P&L lines the checks and metrics read: month, account number, account and amount (income
-- and costs positive). Built from the books where QuickBooks' chart of accounts and lines are
-- loaded, otherwise the P&L as the accounting system reports it (profit_and_loss), loaded by
-- hand or read from QuickBooks' report.
select month, account_number, account_name as account, amount, 'books' as built_from
from pnl_by_account_month
-- otherwise
select month, account_number, cast(null as varchar) as account, amount,
       'reported' as built_from
from profit_and_loss
