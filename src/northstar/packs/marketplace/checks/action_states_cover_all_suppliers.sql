-- description: Every supplier (on the platform's list or paid through a remittance), plus the
--   Unlinked row, has exactly one row and one core action state in the supplier development
--   view, and the action-state counts add up to all of them.
-- severity: error
with expected as (
  select count(*) + 1 as suppliers
  from (select id as supplier_id from suppliers
        union
        select supplier_id from remittance_lines where supplier_id is not null) as ids
),
found as (
  select (select count(*) from supplier_development) as development_rows,
         (select count(distinct supplier_name) from supplier_development) as distinct_names,
         (select sum(suppliers) from supplier_action_states) as state_counts,
         (select count(*) from supplier_development where core_action_state is null)
           as without_state
)
select e.suppliers as expected_suppliers, f.development_rows, f.distinct_names, f.state_counts,
       f.without_state
from expected as e
cross join found as f
where f.development_rows <> e.suppliers or f.distinct_names <> e.suppliers
   or f.state_counts <> e.suppliers or f.without_state > 0
