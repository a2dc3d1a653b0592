{#- The marketplace's core action states, one rule for both sides of the market. -#}

{#- A member's core action state from what it was billed (or paid) this year and last year:
    both years: 'losing' when it fell by more than half, else 'active'; this year only: 'active'
    (new or back); last year only: 'lost'; neither: 'inactive'. -#}
{% macro core_action_state(this_year, last_year) -%}
case when {{ this_year }} > 0 and {{ last_year }} > 0 then
       case when ({{ last_year }} - {{ this_year }}) > 0.5 * {{ last_year }}
            then 'losing' else 'active' end
     when {{ this_year }} > 0 then 'active'
     when {{ last_year }} > 0 then 'lost'
     else 'inactive' end
{%- endmacro %}
