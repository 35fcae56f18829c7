select deployment_id, run_id, stage, decision, reason, decided_at, start_at, end_at
from model_deployment_history
where model_version = $model_version
order by deployment_id
