insert or replace into stage_pins (stage, model_version, reason, pinned_at, deployment_id)
values ($stage, $model_version, $reason, $now::timestamp, $deployment_id)
