-- Every deal with the three weightings behind pipeline coverage:
--   open_at_quarter_start: created before the (calendar) quarter it is due to close in began,
--   weighted_amount: amount x the CRM stage probability (won 1, lost 0),
--   score and scored_amount: the pack's documented deal score (docs/marketplace.md). Won 1,
--   lost 0, an open deal starts at its stage probability, x 1.25 when the company already
--   buys from us, x 0.8 for outbound or x 1.15 for referral deals, x 0.5 when its sales cycle
--   (create to close date) is longer than 180 days, and is capped at 0.95.
select d.id as deal_id, d.company_id, d.deal_name, d.stage, d.amount, d.stage_probability,
       d.create_date, d.close_date,
       d.create_date < date_trunc('quarter', d.close_date) as open_at_quarter_start,
       d.amount * d.stage_probability as weighted_amount,
       case when d.stage = 'closedwon' then 1.0
            when d.stage = 'closedlost' then 0.0
            else least(0.95, d.stage_probability
                       * case when c.id is not null then 1.25 else 1.0 end
                       * case d.source_funnel when 'outbound' then 0.8
                                             when 'referral' then 1.15 else 1.0 end
                       * case when date_diff('day', cast(d.create_date as date), d.close_date) > 180
                              then 0.5 else 1.0 end)
       end as score,
       d.first_touch, d.last_touch,
       {{ tags('d') }}
from deals as d
left join customers as c on c.id = d.company_id
