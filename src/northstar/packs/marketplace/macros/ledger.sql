{#- The general ledger's postings (models/gl_postings.sql). -#}

{#- A document's lines posted on their own accounts and, as one more posting per line, on the
    other side: the company's first account of type `other_type` (Accounts Receivable, Accounts
    Payable). `sign` is how a line posts on its own account: '+' a debit, '-' a credit; the
    other side takes the opposite. `lines` is the line table, `document` its document id
    column, `party` its customer or supplier column. -#}
{% macro line_and_other_side(source_type, lines, document, party, sign, other_type) -%}
{% if sign not in ('+', '-') %}{{ fail("line_and_other_side: sign is '+' or '-', not " ~ sign) }}{% endif -%}
{% set on_line = '' if sign == '+' else '-' -%}
{% set on_other = '-' if sign == '+' else '' -%}
with other_side as (select min(account_id) as account_id from ledger_accounts
                    where account_type = '{{ other_type }}')
select '{{ source_type }}' as source_type, l.{{ document }} as source_id, l.id || ':line' as id,
       l.txn_date, l.account_id, l.account_number,
       cast({{ on_line }}l.amount as decimal(18, 2)) as amount, l.{{ party }} as party_id
from {{ lines }} as l
union all
select '{{ source_type }}', l.{{ document }}, l.id || ':other', l.txn_date, o.account_id,
       cast(null as varchar), cast({{ on_other }}l.amount as decimal(18, 2)), l.{{ party }}
from {{ lines }} as l cross join other_side as o
{%- endmacro %}
