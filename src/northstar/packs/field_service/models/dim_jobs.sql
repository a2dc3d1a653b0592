-- Jobs with the names their ids stand for: the business unit (as ServiceTitan names it, and as
-- it is reported), the job type and its KPI category and the campaign (the customer's name and
-- city are in dim_customers). start_at is when the job starts: its first appointment's start (UTC); the
-- jobs API has no start date of its own. revenue is the job's invoice subtotal, before sales
-- tax (the job's total when it has no active invoice: billed_invoice_id is the active one).
-- Deleted jobs (active false) are left out.
select j.id as job_id, j.job_number, j.job_status, j.job_status = 'Canceled' as is_canceled,
       j.created_on, a.start as start_at, j.completed_on,
       j.business_unit_id, u.business_unit_name, u.business_unit, u.branch, u.trade,
       j.job_type_id, t.job_type_name, t.job_type_category,
       j.campaign_id, c.name as campaign_name, c.category as campaign_category,
       j.customer_id, j.location_id,
       j.invoice_id, i.id as billed_invoice_id, coalesce(i.sub_total, j.total) as revenue,
       j.total,
       j.appointment_count, j.recall_for_id, j.warranty_id, coalesce(j.no_charge, false) as no_charge,
       {{ unit_tags('j', 'u', 'c.name') }}
from st_jobs as j
left join dim_business_units as u on u.business_unit_id = j.business_unit_id
left join dim_job_types as t on t.job_type_id = j.job_type_id
left join st_campaigns as c on c.id = j.campaign_id
left join st_appointments as a on a.id = j.first_appointment_id
left join st_invoices as i on i.id = j.invoice_id and coalesce(i.active, true)
where coalesce(j.active, true)
