-- Signed customer contracts: MongoDB collection `contracts` (unpacked, as in
-- platform_invoices.sql): the customer (the books' customer id), the signing day, the term
-- and the committed amount.
select
  cast(k._id as varchar) as id,
  cast(k.customer_id as varchar) as customer_id,
  cast(k.signed_date as date) as signed_date,
  cast(k.start_date as date) as start_date,
  cast(k.end_date as date) as end_date,
  cast(k.amount as decimal(18, 2)) as amount,
  coalesce(lower(cast(k._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(k._fivetran_synced as timestamp) as fivetran_synced
from contracts as k
