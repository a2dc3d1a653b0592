-- description: Every subscription is on a plan the reference list knows.
-- severity: warning
select subscription_id, plan_code from subscription_lines where plan_name is null
