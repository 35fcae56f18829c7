-- The model serving on a stage now, and the gate decision that deployed it.
select
    a.stage,
    a.model_version,
    a.activated_at,
    m.run_id as training_run_id,
    m.algorithm,
    m.n_train,
    h.deployment_id,
    h.run_id as decision_run_id,
    h.decision,
    h.reason,
    h.evidence::varchar as evidence,
    h.decided_at
from active_model a
join models m using (model_version)
left join model_deployment_history h on h.deployment_id = a.deployment_id
where a.stage = $stage
