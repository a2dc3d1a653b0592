-- Every active invoice and the business unit it reaches through its job (invoice -> job ->
-- business unit; the invoice's own unit when it has no job), with the unit's map and the job's
-- campaign as tags: what outstanding A/R and payments by unit need, kept light (dim_invoices
-- adds the items and the payments applied).
select i.id as invoice_id, i.reference_number, i.invoice_date, i.total, i.job_id,
       coalesce(j.business_unit_id, i.business_unit_id) as business_unit_id,
       u.business_unit_name, u.business_unit, u.branch, u.trade,
       {{ unit_tags('i', 'u', 'c.name') }}
from st_invoices as i
left join st_jobs as j on j.id = i.job_id and coalesce(j.active, true)
left join st_campaigns as c on c.id = j.campaign_id
left join dim_business_units as u
  on u.business_unit_id = coalesce(j.business_unit_id, i.business_unit_id)
where coalesce(i.active, true)
