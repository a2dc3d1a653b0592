-- GoHighLevel's opportunities, one row per opportunity: its stage, status (open, won, lost or
-- abandoned, in lower case) and value. GoHighLevel owns the pipeline: the base view
-- ghl_opportunities already shows its status and monetary_value where the closers' tracker
-- sheet reports the deal again (pack.toml, [ownership.ghl_opportunities]). won_at is when a
-- won deal was won: its last status change (else its last update). An opportunity deleted in
-- GoHighLevel (removed_at) is left out.
select o.id as opportunity_id, o.name, o.contact_id, o.pipeline_id, o.stage_id,
       s.name as stage, lower(trim(o.status)) as status, o.monetary_value, o.created_at,
       o.last_status_change_at,
       case when lower(trim(o.status)) = 'won'
            then coalesce(o.last_status_change_at, o.updated_at) end as won_at,
       {{ tags('o') }}
from ghl_opportunities as o
left join ghl_stages as s on s.id = o.stage_id
where o.removed_at is null
