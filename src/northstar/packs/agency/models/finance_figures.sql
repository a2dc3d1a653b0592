-- Finance's monthly figures that no event source holds yet (finance_snapshots): one row per
-- month and item, `ebitda` (the month's EBITDA, entered once the month is closed) or
-- `cash_plan` (the cash the month is planned to bring in, entered ahead for the year). month
-- is the month's first day. Items are compared in lower case without surrounding blanks; the
-- check finance_items_are_known lists any other item (a typo counts nowhere).
select f.id as figure_id, cast(f.month as date) as month, lower(trim(f.item)) as item, f.value,
       f.entered_by, {{ tags('f') }}
from finance_snapshots as f
