-- Cash through Stripe, one row per movement: a charge that succeeded (+ what was captured, on
-- the day it was created), a refund (- its amount, on the day it was made, unless it failed or
-- was cancelled) and a dispute not won (- its amount, on the day it was opened: Stripe takes
-- the money back then; a dispute won gives it back, so it does not count, nor does an
-- inquiry, status warning_*, which takes nothing). net_amount adds up to net cash.
-- Stripe owns cash: the base view stripe_charges already shows Stripe's version of a charge
-- that GoHighLevel's order-form export reports again (pack.toml, [ownership.stripe_charges]).
-- A refund or dispute without tags of its own takes its charge's (Stripe's API tags only the
-- charge, with its customer).
with charges as (
  select id, status, amount_captured, created, {{ tags() }}
  from stripe_charges
)
select 'charge:' || c.id as movement_id, 'charge' as kind, c.id as charge_id, c.created,
       c.amount_captured as amount, c.amount_captured as net_amount,
       {{ tags('c') }}
from charges as c
where c.status = 'succeeded'
{#- refunds (unless failed or cancelled) and disputes (unless won or a mere inquiry), each with
    its charge's tags where it has none of its own #}
{%- for kind, table, counted in [
      ('refund', 'stripe_refunds', "coalesce(x.status, 'succeeded') not in ('failed', 'canceled')"),
      ('dispute', 'stripe_disputes',
       "coalesce(x.status, '') <> 'won' and coalesce(x.status, '') not like 'warning%'")] %}
union all
select '{{ kind }}:' || x.id, '{{ kind }}', x.charge, x.created, x.amount, -x.amount,
{%- for tag in TAGS %}
       coalesce(x.{{ tag }}, c.{{ tag }}){{ ',' if not loop.last }}
{%- endfor %}
from {{ table }} as x
left join charges as c on c.id = x.charge
where {{ counted }}
{%- endfor %}
