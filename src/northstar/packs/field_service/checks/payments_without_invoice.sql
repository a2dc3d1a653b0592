-- description: Money received that is not applied to an invoice Northstar holds: a payment left
--   (partly) unapplied counts in the payment's own business unit, and an amount applied to an
--   invoice that is voided or not collected reaches no unit's A/R. Apply it in ServiceTitan.
-- severity: warning
select payment_id, reference_number, paid_on, attributed_by, invoice_id, amount,
       business_unit_name
from dim_payments
where attributed_by = 'payment' or not is_known_invoice
