select deployment_id, model_version, decision, reason, decided_at, start_at, end_at
from model_deployment_history
order by deployment_id desc
limit $limit
