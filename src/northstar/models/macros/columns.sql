{#- Column lists and expressions every pack writes. -#}

{#- The dimension tags every fact carries (department, team, owner_id, client_id, source_funnel,
    utm_source, utm_medium, utm_campaign), comma-separated: `{{ tags() }}`, or read from a table
    alias, `{{ tags('d') }}` (d.department, ...), or aggregated and named again,
    `{{ tags('l', agg='min') }}` (min(l.department) as department, ...). -#}
{% macro tags(alias=none, agg=none) -%}
{% for tag in TAGS -%}
{% set column = (alias ~ '.' if alias else '') ~ tag -%}
{{ agg ~ '(' ~ column ~ ') as ' ~ tag if agg else column }}{{ ', ' if not loop.last }}
{%- endfor %}
{%- endmacro %}

{#- The calendar year of a date or timestamp, as an integer: `{{ year_of('txn_date') }}`. -#}
{% macro year_of(column) -%}
cast(extract(year from {{ column }}) as integer)
{%- endmacro %}
