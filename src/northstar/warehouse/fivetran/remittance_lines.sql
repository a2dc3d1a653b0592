-- The platform's remittance lines: MongoDB collection `remittance_line_items` (unpacked, as
-- in platform_invoices.sql). `bill_id` is the Bill # the remittance pays (`bill_number`, e.g.
-- B-30002), which the marketplace pack links to the books' bill doc_number.
select
  cast(r._id as varchar) as id,
  cast(r.bill_number as varchar) as bill_id,
  cast(r.supplier_id as varchar) as supplier_id,
  cast(r.remitted_date as date) as remitted_date,
  cast(r.amount as decimal(18, 2)) as amount,
  coalesce(lower(cast(r._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(r._fivetran_synced as timestamp) as fivetran_synced
from remittance_line_items as r
