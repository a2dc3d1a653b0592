{#- Period spines: one row per period, so that a period with no facts still has its row. -#}

{% set _steps = {'day': '1 day', 'week': '7 days', 'month': '1 month', 'quarter': '3 months',
                 'year': '1 year'} %}

{#- A SELECT of one row per `grain` (day, week, month, quarter or year) from the period holding
    `start` up to the one holding `stop` (both SQL expressions, both included), with columns
    `period_start` and `period_end` (dates; the end is the next period's start). Weeks are ISO
    weeks (Monday). Use it as a CTE body:
    `with months as ({{ period_spine('month', "date '2024-01-01'", 'current_date') }})`. -#}
{% macro period_spine(grain, start, stop) -%}
{% if grain not in _steps %}{{ fail('period_spine: grain must be one of '
                                   ~ _steps | join(', ') ~ ', not ' ~ grain) }}{% endif -%}
select cast(s.period_start as date) as period_start,
       cast(s.period_start + interval '{{ _steps[grain] }}' as date) as period_end
from generate_series(cast(date_trunc('{{ grain }}', {{ start }}) as timestamp),
                     cast({{ stop }} as timestamp), interval '{{ _steps[grain] }}')
  as s(period_start)
{%- endmacro %}
