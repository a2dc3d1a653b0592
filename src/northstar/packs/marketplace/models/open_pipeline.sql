-- Deals that are open right now (not closed won or lost), with their HubSpot-weighted amount.
select id as deal_id, company_id, deal_name, stage, amount, stage_probability,
       amount * stage_probability as weighted_amount, create_date, close_date,
       department, team, owner_id, client_id, source_funnel, utm_source, utm_medium, utm_campaign
from deals
where stage not in ('closedwon', 'closedlost')
