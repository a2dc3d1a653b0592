{#- The ledger keeps every observed version of a record; the base view of a raw table already
    shows the latest one per source id. This macro is for the other cases: the latest version per
    another key, or as the ledger stood at a moment (endpoints at a month end, say). -#}

{#- A subquery holding the latest version of each `key` in `relation` (a raw table, by default
    ordered by its load and row), optionally only among the versions loaded at or before `as_of`
    (an SQL expression compared with `loaded_at`), and optionally leaving out a record whose
    latest version is a tombstone (`is_deleted`). Use it where a table goes:
    `from {{ latest_version('raw_devices', 'id', as_of="timestamp '2025-02-01'") }} as d`.
    It adds a column `ns_rn` (always 1). -#}
{% macro latest_version(relation, key, order_by='load_id desc, row_seq desc', as_of=none,
                        skip_deleted=false) -%}
(select * from (select *, row_number() over (partition by {{ key }} order by {{ order_by }})
 as ns_rn from {{ relation }}
{%- if as_of is not none %} where loaded_at <= {{ as_of }}{% endif %}) as ns_versions
 where ns_rn = 1{% if skip_deleted %} and is_deleted is not true{% endif %})
{%- endmacro %}
