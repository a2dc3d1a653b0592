-- Each bill of the books with the platform organisation its remittances name. The platform's
-- remittances carry the Bill # (doc_number in the books, e.g. B-30002), not the accounting
-- system's internal bill id, so a bill is linked when its Bill # is found in remittance_lines
-- (seed 004: "Linked = Bill # found in remittance_line_items"); a bill the books give no
-- number is looked up by its id. A bill no remittance names has no row here (it is unlinked).
with numbers as (
  select bill_id, coalesce(min(doc_number), bill_id) as bill_number
  from bill_lines
  group by bill_id
)
select distinct n.bill_id, n.bill_number, r.supplier_id
from numbers as n
join remittance_lines as r on r.bill_id = n.bill_number
