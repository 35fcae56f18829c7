-- Every gate decision, rollback and promotion on a stage, newest first.
select deployment_id, run_id, model_version, decision, reason, decided_at, start_at, end_at
from model_deployment_history
where stage = $stage
order by deployment_id desc
