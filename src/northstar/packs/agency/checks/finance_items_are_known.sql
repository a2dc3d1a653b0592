-- description: Every row of finance's monthly figures (finance_snapshots) is an item the pack
--   reads: `ebitda` or `cash_plan`. Any other item (a typo, "EBIDTA") counts nowhere, so EBITDA,
--   its margin or the cash plan would be missing for its month.
-- severity: error
select item, min(month) as first_month, max(month) as last_month, count(*) as rows
from finance_figures
where item is null or item not in ('ebitda', 'cash_plan')
group by item
