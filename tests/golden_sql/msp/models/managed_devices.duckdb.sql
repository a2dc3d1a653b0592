-- managed_devices (model) on duckdb: scripts/golden_sql.py
/* Every device the RMM has reported, with its organisation and whether its node class counts */
/* as a managed endpoint and as a seat (the node classes reference list; a class the list does */
/* not know counts as neither). A device no longer listed keeps its last known fields and the */
/* time it went missing (removed_at), so a past month still counts it. Only approved devices */
/* are under management (is_managed). */
SELECT
  d.id AS device_id,
  d.organization_id,
  o.name AS organization,
  d.node_class,
  d.approval_status,
  d.approval_status = 'APPROVED' AS is_approved,
  d.offline,
  d.display_name,
  d.created,
  d.last_contact,
  d.removed_at,
  COALESCE(c.endpoint, FALSE) AS is_endpoint,
  COALESCE(c.seat, FALSE) AS is_seat,
  NOT c.node_class IS NULL AS is_known_class,
  d.department,
  d.team,
  d.owner_id,
  d.client_id,
  d.source_funnel,
  d.utm_source,
  d.utm_medium,
  d.utm_campaign
FROM ninja_devices AS d
LEFT JOIN ref_node_classes AS c
  ON c.node_class = d.node_class
LEFT JOIN ninja_organizations AS o
  ON o.id = d.organization_id;
