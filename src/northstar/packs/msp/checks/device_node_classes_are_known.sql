-- description: Every device's node class is in the node classes reference list
--   (reference/node_classes.csv), which says whether it counts as an endpoint and as a seat.
--   A class the list does not know counts as neither, so endpoints and seats would be short.
-- severity: warning
select node_class, count(*) as devices
from managed_devices
where not is_known_class
group by node_class
