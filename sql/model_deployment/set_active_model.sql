insert or replace into active_model (stage, model_version, deployment_id, activated_at)
values ($stage, $model_version, $deployment_id, $now::timestamp)
