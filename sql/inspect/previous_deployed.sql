-- The model deployed on this stage before the current one (the most recent activation of another version).
select model_version
from model_deployment_history
where stage = $stage
  and start_at is not null
  and model_version <> $current_version
order by deployment_id desc
limit 1
