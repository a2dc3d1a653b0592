{#- The field-service pack's macros. -#}

{#- The dimension tags of a fact that belongs to a business unit: `department` is the unit's
    side (sales or production) and `team` the unit it is reported as (Phoenix-Sales, with the
    retired "Z-DO NOT USE - West - Sales" folded in), both from the business-unit map; the other
    tags are the raw row's. `utm_campaign` falls back to `campaign` (an SQL expression), when
    given. `{{ unit_tags('j', 'u') }}` reads the row from alias j and the unit from alias u. -#}
{% macro unit_tags(row, unit, campaign=none) -%}
coalesce({{ unit }}.department, {{ row }}.department) as department,
coalesce({{ unit }}.business_unit, {{ row }}.team) as team,
{{ row }}.owner_id, {{ row }}.client_id, {{ row }}.source_funnel, {{ row }}.utm_source,
{{ row }}.utm_medium,
{% if campaign %}coalesce({{ row }}.utm_campaign, {{ campaign }}){% else %}{{ row }}.utm_campaign{% endif %} as utm_campaign
{%- endmacro %}
