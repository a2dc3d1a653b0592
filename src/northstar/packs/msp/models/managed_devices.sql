-- Every device the RMM has reported, with its organisation and whether its node class counts
-- as a managed endpoint and as a seat (the node classes reference list; a class the list does
-- not know counts as neither). A device no longer listed keeps its last known fields and the
-- time it went missing (removed_at), so a past month still counts it. Only approved devices
-- are under management (is_managed).
select d.id as device_id, d.organization_id, o.name as organization, d.node_class,
       d.approval_status, d.approval_status = 'APPROVED' as is_approved, d.offline,
       d.display_name, d.created, d.last_contact, d.removed_at,
       coalesce(c.endpoint, false) as is_endpoint,
       coalesce(c.seat, false) as is_seat,
       c.node_class is not null as is_known_class,
       {{ tags('d') }}
from ninja_devices as d
left join ref_node_classes as c on c.node_class = d.node_class
left join ninja_organizations as o on o.id = d.organization_id
