{#- Cohort matrices: members grouped by the first year they had a positive amount. -#}

{#- The whole query of a cohort matrix in long form, from a query yielding one row per member
    and year, written inside the call: columns `member`, `year` and `amount` (named as given).
    A member's cohort is its first year with a positive amount. Rows: chart = `amount_chart`
    (the cohort's amounts by year), TOTAL (all cohorts together, so it adds up to the source)
    and `retention_chart` (a cohort's amount over its first year's); columns chart, first_year,
    cohort (the first year as text, or TOTAL), year and value. A dashboard's `cohort` tile
    pivots it.

        {% call cohort_matrix('customer_id', 'billed', 'BILLED_DOLLARS', 'NRR_PERCENT') %}
          select customer_id, {{ year_of('txn_date') }} as year, sum(amount) as billed
          from revenue_lines
          group by 1, 2
        {% endcall %}
-#}
{% macro cohort_matrix(member, amount, amount_chart='AMOUNT', retention_chart='RETENTION_PERCENT',
                       year='year') -%}
with yearly as (
{{ caller() }}
),
cohort as (
  select {{ member }}, min({{ year }}) as first_year
  from yearly
  where {{ amount }} > 0
  group by 1
),
dollars as (
  select c.first_year, y.{{ year }} as year, sum(y.{{ amount }}) as value
  from yearly as y
  join cohort as c on c.{{ member }} = y.{{ member }}
  group by 1, 2
)
select '{{ amount_chart }}' as chart, first_year, cast(first_year as varchar) as cohort, year,
       cast(value as double) as value
from dollars
union all
select 'TOTAL', cast(null as integer), 'TOTAL', year, cast(sum(value) as double)
from dollars
group by year
union all
select '{{ retention_chart }}', d.first_year, cast(d.first_year as varchar), d.year,
       cast(d.value as double) / nullif(cast(b.value as double), 0)
from dollars as d
join dollars as b on b.first_year = d.first_year and b.year = d.first_year
{%- endmacro %}
