-- description: Every ServiceTitan report export compared with `northstar reconcile` matches
--   Northstar: each business unit, period and KPI of the report, as last compared. A
--   difference (a unit or job type mapped otherwise than the report counts it, a payment not
--   collected yet) fails this check until `northstar reconcile` of that report finds none.
-- severity: error
select report, business_unit, period, metric, report_value, northstar_value, difference,
       lines, why, compared_at
from reconciliation
where not matches
