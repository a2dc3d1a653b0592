-- Cash and working capital at each month end: from the balance sheet built from the books
-- where they are loaded, otherwise from finance's monthly close (monthly_finance).
select month, cash, current_assets, current_liabilities,
       current_assets - current_liabilities as working_capital, 'books' as built_from
from balance_sheet_totals
-- otherwise
select month, cash_balance as cash, current_assets, current_liabilities,
       current_assets - current_liabilities as working_capital, 'monthly_finance' as built_from
from monthly_finance
