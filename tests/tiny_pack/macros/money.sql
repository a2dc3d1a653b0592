{#- The tiny pack's own macro. -#}

{#- A monthly amount at a year's rate. -#}
{% macro annualised(column) -%}
({{ column }} * 12)
{%- endmacro %}
