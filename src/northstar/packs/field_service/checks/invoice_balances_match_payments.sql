-- description: ServiceTitan's balance of every invoice equals its total less the payments
--   applied to it, as collected. A difference means a payment (or its voiding) has not been
--   collected yet, or was applied outside the payments export: outstanding A/R, made from
--   totals and payments, would then differ from ServiceTitan's A/R report.
-- severity: warning
select invoice_id, reference_number, invoice_date, total, applied, balance,
       open_amount - balance as difference
from dim_invoices
where balance is not null and abs(open_amount - balance) >= 0.01
