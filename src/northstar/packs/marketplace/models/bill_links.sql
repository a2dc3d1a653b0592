-- Each bill of the books with every platform organisation its remittances pay, and how much.
-- The platform's remittances carry the Bill # (doc_number in the books, e.g. B-30002), not the
-- accounting system's internal bill id, so a bill is linked when its Bill # is found in
-- remittance_lines (seed 004: "Linked = Bill # found in remittance_line_items"), and a bill the
-- books give no number is looked up by its id. A bill no remittance names has no row here (it
-- is unlinked). supplier_payouts keeps, for a split bill, the organisation remitted the most.
with numbers as (
  select bill_id, coalesce(min(doc_number), bill_id) as bill_number
  from bill_lines
  group by bill_id
)
select n.bill_id, n.bill_number, r.supplier_id, sum(r.amount) as remitted
from numbers as n
join remittance_lines as r on r.bill_id = n.bill_number
where r.supplier_id is not null
group by 1, 2, 3
