-- HubSpot contacts with their first touch (original source) and last touch (latest source),
-- for marketing attribution: (first touch + last touch) / 2.
select
  cast(c.id as varchar) as id,
  cast(coalesce(c.property_email, c.property_email_1) as varchar) as email,
  cast(c.property_company as varchar) as company_name,
  cast(c.property_associatedcompanyid as varchar) as company_id,
  cast(c.property_createdate as timestamp) as create_date,
  cast(c.property_lifecyclestage as varchar) as lifecycle_stage,
  cast(c.property_hs_analytics_source as varchar) as first_touch_source,
  case upper(cast(c.property_hs_analytics_source as varchar))
         when 'PAID_SEARCH' then 'paid_ads' when 'PAID_SOCIAL' then 'paid_ads'
         when 'OTHER_CAMPAIGNS' then 'paid_ads' when 'EMAIL_MARKETING' then 'email'
         when 'OFFLINE' then 'event' when 'REFERRALS' then 'referral'
         when 'ORGANIC_SEARCH' then 'organic' when 'SOCIAL_MEDIA' then 'social'
         when 'DIRECT_TRAFFIC' then 'direct' else lower(cast(c.property_hs_analytics_source as varchar)) end as first_touch,
  cast(c.property_hs_analytics_source_data_1 as varchar) as first_touch_detail,
  cast(c.property_hs_latest_source as varchar) as last_touch_source,
  case upper(cast(c.property_hs_latest_source as varchar))
         when 'PAID_SEARCH' then 'paid_ads' when 'PAID_SOCIAL' then 'paid_ads'
         when 'OTHER_CAMPAIGNS' then 'paid_ads' when 'EMAIL_MARKETING' then 'email'
         when 'OFFLINE' then 'event' when 'REFERRALS' then 'referral'
         when 'ORGANIC_SEARCH' then 'organic' when 'SOCIAL_MEDIA' then 'social'
         when 'DIRECT_TRAFFIC' then 'direct' else lower(cast(c.property_hs_latest_source as varchar)) end as last_touch,
  cast(c.property_hs_latest_source_data_1 as varchar) as last_touch_detail,
  cast(c.property_utm_source as varchar) as touch_utm_source,
  cast(c.property_utm_medium as varchar) as touch_utm_medium,
  cast(c.property_utm_campaign as varchar) as touch_utm_campaign,
  cast(c.property_hubspot_owner_id as varchar) as hubspot_owner_id,
  cast(o.email as varchar) as owner_email,
  coalesce(lower(cast(c._fivetran_deleted as varchar)) in ('true', 't', '1'), false) as is_deleted,
  cast(greatest(c._fivetran_synced, o._fivetran_synced) as timestamp) as fivetran_synced
from contact as c
left join owner as o on cast(o.owner_id as varchar) = cast(c.property_hubspot_owner_id as varchar)
