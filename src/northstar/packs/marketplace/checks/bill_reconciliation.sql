-- description: Every organiser payment on the platform is in the accounting system at the same
--   amount: no remittance whose bill is missing and no amounts differing by a dollar or more.
--   Remittances from the last three days are left out (bills are entered behind them).
-- severity: error
select bill_id, bill_date, accounting_total, platform_total, difference, issue
from bill_reconciliation
where (abs(difference) >= 1 or accounting_total is null)
  and bill_date < (select max(remitted_date) from remittance_lines) - 3
