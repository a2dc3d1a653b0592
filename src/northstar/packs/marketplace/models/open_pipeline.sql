-- Deals that are open right now (not closed won or lost), with their HubSpot-weighted amount.
select id as deal_id, company_id, deal_name, stage, amount, stage_probability,
       amount * stage_probability as weighted_amount, create_date, close_date,
       {{ tags() }}
from deals
where stage not in ('closedwon', 'closedlost')
