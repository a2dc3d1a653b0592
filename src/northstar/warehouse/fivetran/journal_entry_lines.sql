-- Journal entry lines: the account, Debit or Credit, and the amount (positive). Fivetran does
-- not always sync journal entries: a schema without them reads as no journal entries.
select
  cast(l.journal_entry_id as varchar) || '-' || cast(l."index" as varchar) as id,
  cast(j.id as varchar) as journal_entry_id,
  cast(l."index" as bigint) as line_num,
  cast(j.doc_number as varchar) as doc_number,
  cast(j.transaction_date as date) as txn_date,
  cast(l.account_id as varchar) as account_id,
  cast(a.account_number as varchar) as account_number,
  cast(l.posting_type as varchar) as posting_type,
  cast(l.amount as decimal(18, 2)) as amount,
  cast(l.description as varchar) as description,
  cast(j.currency_id as varchar) as currency_id,
  cast(j.exchange_rate as decimal(18, 6)) as exchange_rate,
  coalesce(lower(cast(j._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(j._fivetran_synced, l._fivetran_synced, a._fivetran_synced) as timestamp)
    as fivetran_synced
from journal_entry_line as l
join journal_entry as j on cast(j.id as varchar) = cast(l.journal_entry_id as varchar)
left join account as a
  on cast(a.id as varchar) = cast(l.account_id as varchar)
 and not coalesce(lower(cast(a._fivetran_deleted as varchar)) in ('true', 't', '1'), false)
