-- Money received, one row per part of a payment: each amount applied to an invoice reaches that
-- invoice's business unit (payment -> invoice -> job -> business unit: attributed_by
-- 'invoice'), and what a payment leaves unapplied counts in the payment's own unit
-- (attributed_by 'payment'), so the rows of a payment add up to its total. Voided payments
-- (active false) are left out. paid_on is the payment's date (UTC). is_known_invoice: the
-- invoice it pays is one Northstar holds (an active invoice, in invoice_units).
with applied as (
  select payment_id, sum(amount) as applied
  from st_payment_applications
  group by payment_id
)
select a.id as part_id, 'invoice' as attributed_by, p.id as payment_id, p.reference_number,
       p.paid_on, p.type as payment_type, a.invoice_id, a.amount, i.job_id,
       i.invoice_id is not null as is_known_invoice,
       coalesce(i.business_unit_id, p.business_unit_id) as business_unit_id,
       coalesce(i.business_unit_name, u.business_unit_name) as business_unit_name,
       coalesce(i.business_unit, u.business_unit) as business_unit,
       coalesce(i.branch, u.branch) as branch,
       coalesce(i.department, u.department, p.department) as department,
       coalesce(i.team, u.business_unit, p.team) as team,
       p.owner_id, p.client_id, p.source_funnel, p.utm_source, p.utm_medium,
       coalesce(i.utm_campaign, p.utm_campaign) as utm_campaign
from st_payment_applications as a
join st_payments as p on p.id = a.payment_id
left join invoice_units as i on i.invoice_id = a.invoice_id
left join dim_business_units as u on u.business_unit_id = p.business_unit_id
  and i.invoice_id is null
where coalesce(p.active, true)
union all
select p.id || ':unapplied', 'payment', p.id, p.reference_number, p.paid_on, p.type,
       cast(null as varchar), p.total - coalesce(x.applied, 0), cast(null as varchar), false,
       p.business_unit_id, u.business_unit_name, u.business_unit, u.branch,
       coalesce(u.department, p.department), coalesce(u.business_unit, p.team),
       p.owner_id, p.client_id, p.source_funnel, p.utm_source, p.utm_medium, p.utm_campaign
from st_payments as p
left join applied as x on x.payment_id = p.id
left join dim_business_units as u on u.business_unit_id = p.business_unit_id
where coalesce(p.active, true) and p.total - coalesce(x.applied, 0) <> 0
