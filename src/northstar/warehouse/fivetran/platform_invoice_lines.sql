-- The platform's invoice line items: MongoDB collection `invoice_line_items` (unpacked, as in
-- platform_invoices.sql), each naming the invoice and the organiser whose event it paid for.
select
  cast(l._id as varchar) as id,
  cast(l.invoice_number as varchar) as invoice_id,
  cast(l.supplier_id as varchar) as supplier_id,
  cast(l.event_date as date) as event_date,
  cast(l.amount as decimal(18, 2)) as amount,
  coalesce(lower(cast(l._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(l._fivetran_synced as timestamp) as fivetran_synced
from invoice_line_items as l
