insert into model_deployment_history (deployment_id, run_id, model_version, stage, decision, reason, evidence, decided_at, start_at, end_at)
values (nextval('deployment_id_seq'), $run_id, $model_version, $stage, $decision, $reason, $evidence, $now::timestamp,
        case when $activates then $now::timestamp end, null)
returning deployment_id
