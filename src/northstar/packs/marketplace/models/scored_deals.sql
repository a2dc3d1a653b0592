-- Every deal with its deal score now and as it stood when the quarter it is due to close in
-- began (its close quarter), for pipeline coverage:
--   quarter_start_at: the close quarter's first instant, local midnight in the company's
--     timezone, as a UTC timestamp (how the ledger stores times),
--   stage_at_quarter_start, amount_at_quarter_start, probability_at_quarter_start: the last
--     value in HubSpot's deal property history at or before that instant (none: the deal had
--     no stage or amount yet),
--   open_at_quarter_start: created by then and in an open stage then, however it ended,
--   entering_amount, entering_weighted, entering_scored: what the deal brings to the quarter's
--     coverage, unweighted, at its stage probability then, at its deal score then (0 when it
--     was not open at the quarter's start),
--   weighted_amount and score: the same weightings on today's stage (won 1, lost 0).
-- The deal score (docs/marketplace.md): an open deal starts at its stage probability, x 1.25
-- when the company already buys from us, x 0.8 for outbound or x 1.15 for referral deals,
-- x 0.5 when its sales cycle (create to close date) is longer than 180 days, capped at 0.95.
-- Without any loaded history this model waits for deal_property_history: coverage is never
-- worked out from today's stages.
with starts as (
  select d.*,
         cast((cast(date_trunc('quarter', d.close_date) as timestamp)
               at time zone {{ var('company_timezone', 'UTC') }}) at time zone 'UTC'
              as timestamp) as quarter_start_at,
         case when c.id is not null then 1.25 else 1.0 end
           * case d.source_funnel when 'outbound' then 0.8
                                  when 'referral' then 1.15 else 1.0 end
           * case when date_diff('day', cast(d.create_date as date), d.close_date) > 180
                  then 0.5 else 1.0 end
           as score_factor
  from deals as d
  left join customers as c on c.id = d.company_id
),
history as (
  select s.id as deal_id, h.property, h.value, h.stage_probability,
         row_number() over (partition by s.id, h.property
                            order by h.changed_at desc, h.id desc) as newest
  from starts as s
  join deal_property_history as h
    on h.deal_id = s.id and h.changed_at <= s.quarter_start_at
   and h.property in ('dealstage', 'amount')
),
then_ as (
  select deal_id,
         max(case when property = 'dealstage' then value end) as stage,
         max(case when property = 'dealstage' then stage_probability end) as probability,
         max(case when property = 'amount' then cast(value as decimal(18, 2)) end) as amount
  from history
  where newest = 1
  group by deal_id
),
deal_then as (
  select s.*, t.stage as stage_at_quarter_start, t.amount as amount_at_quarter_start,
         t.probability as probability_at_quarter_start,
         coalesce(s.create_date <= s.quarter_start_at, true)
           and t.stage is not null and t.stage not in ('closedwon', 'closedlost')
           as open_at_quarter_start
  from starts as s
  left join then_ as t on t.deal_id = s.id
)
select d.id as deal_id, d.company_id, d.deal_name, d.stage, d.amount, d.stage_probability,
       d.create_date, d.close_date, d.quarter_start_at,
       d.stage_at_quarter_start, d.amount_at_quarter_start, d.probability_at_quarter_start,
       d.open_at_quarter_start,
       case when d.open_at_quarter_start then coalesce(d.amount_at_quarter_start, 0) else 0 end
         as entering_amount,
       case when d.open_at_quarter_start
            then coalesce(d.amount_at_quarter_start * d.probability_at_quarter_start, 0)
            else 0 end as entering_weighted,
       case when d.open_at_quarter_start
            then coalesce(d.amount_at_quarter_start
                          * least(0.95, d.probability_at_quarter_start * d.score_factor), 0)
            else 0 end as entering_scored,
       d.amount * d.stage_probability as weighted_amount,
       case when d.stage = 'closedwon' then 1.0
            when d.stage = 'closedlost' then 0.0
            else least(0.95, d.stage_probability * d.score_factor)
       end as score,
       d.first_touch, d.last_touch,
       {{ tags('d') }}
from deal_then as d
