-- The platform's invoices: MongoDB collection `invoices` as Fivetran's MongoDB connector lands
-- it in unpacked mode (a table per collection, `_id`, one column per top-level field in
-- snake_case, `_fivetran_deleted`, `_fivetran_synced`). The id is the invoice number, the
-- number the books' invoice carries, so the two reconcile.
select
  cast(i.invoice_number as varchar) as id,
  cast(i._id as varchar) as document_id,
  cast(i.invoice_date as date) as invoice_date,
  cast(i.total as decimal(18, 2)) as total,
  coalesce(lower(cast(i._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(i._fivetran_synced as timestamp) as fivetran_synced
from invoices as i
