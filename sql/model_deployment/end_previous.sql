update model_deployment_history
set end_at = $now::timestamp
where deployment_id = $deployment_id
