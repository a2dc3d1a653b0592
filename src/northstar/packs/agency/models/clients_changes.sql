-- What changes the book of clients, one row per change, for the balances kept as cumulative
-- measures (active_clients, mrr, the health scores and the clients past $100k at a moment):
--  * onboarding: +1 client, on the day it onboarded;
--  * each month the delivery file reports, on its first day (a new client's first month: on the
--    day it onboarded): the change of MRR and health score since the month before, the whole
--    of them in the client's first month in the file (a month's row says what held at its end);
--  * passing $100k in revenue: +1 client past $100k, on that day;
--  * churning: -1 client, less its last MRR and health score, and -1 past $100k if it had
--    passed, on the day it churned.
-- Summed over every row before a period's end they give the book at that end. Milestones come
-- from the client's newest month, which knows the most. client_id is among the tags.
with months as (
  select s.*,
         row_number() over (partition by s.client_id order by s.month desc) as newest,
         lag(s.mrr) over (partition by s.client_id order by s.month) as mrr_before,
         lag(s.health_score) over (partition by s.client_id order by s.month) as health_before
  from client_snapshots as s
)
select onboarded_on as changed_on, 'onboarded' as change, 0 as mrr_change,
       0 as health_change, 1 as clients_change, 0 as past_100k_change, {{ tags() }}
from months
where newest = 1
union all
select greatest(month, onboarded_on), 'month', mrr - coalesce(mrr_before, 0),
       health_score - coalesce(health_before, 0), 0, 0, {{ tags() }}
from months
union all
select hit_100k_on, 'past_100k', 0, 0, 0, 1, {{ tags() }}
from months
where newest = 1 and hit_100k_on is not null
union all
select churned_on, 'churned', -mrr, -health_score, -1,
       case when hit_100k_on is not null then -1 else 0 end, {{ tags() }}
from months
where newest = 1 and churned_on is not null
