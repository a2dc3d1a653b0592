-- GMV by supplier and year from the platform's invoice line items, which name the organiser
-- whose event each brand's line paid for (the books' invoices do not). A line naming no known
-- supplier goes to "Unlinked (Not in Platform)", like an unlinked bill, so a year's rows add
-- up to the platform's GMV.
select case when s.id is null then 'Unlinked (Not in Platform)' else s.name end
         as supplier_name,
       {{ year_of('l.event_date') }} as year,
       sum(l.amount) as gmv
from platform_invoice_lines as l
left join suppliers as s on s.id = l.supplier_id
group by 1, 2
