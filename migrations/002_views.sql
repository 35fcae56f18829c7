-- Views for the common questions. (v_latest_predictions is created with served_predictions, whose
-- key columns come from the dataset contract.)

-- one row per stage: the model serving now, why it was deployed, and its metrics
create or replace view v_active_model as
select
    a.stage,
    a.model_version,
    a.activated_at,
    h.decision,
    h.reason,
    m.run_id as training_run_id,
    m.algorithm,
    m.n_train,
    m.r2_train,
    m.rmse_train,
    e.n_test,
    e.new_rmse as test_rmse,
    e.new_mae as test_mae,
    e.new_mape as test_mape,
    e.new_r2 as test_r2,
    e.new_bias as test_bias
from active_model a
join models m using (model_version)
left join model_deployment_history h on h.deployment_id = a.deployment_id
left join model_evaluation_metadata e on e.run_id = m.run_id and e.model_version = m.model_version;

-- one row per model version: training and test metrics, and its latest gate decision
create or replace view v_model_metrics as
select
    m.model_version,
    m.run_id,
    m.created_at,
    m.algorithm,
    m.n_train,
    m.r2_train,
    m.rmse_train,
    e.n_test,
    e.new_rmse as test_rmse,
    e.new_mae as test_mae,
    e.new_r2 as test_r2,
    e.active_model_version as compared_with,
    e.active_rmse as compared_rmse,
    (select h.decision from model_deployment_history h where h.model_version = m.model_version order by h.deployment_id desc limit 1) as last_decision,
    (select h.reason from model_deployment_history h where h.model_version = m.model_version order by h.deployment_id desc limit 1) as last_reason,
    exists (select 1 from model_deployment_history h where h.model_version = m.model_version and h.start_at is not null) as ever_deployed,
    exists (select 1 from active_model a where a.model_version = m.model_version) as is_active
from models m
left join model_evaluation_metadata e on e.run_id = m.run_id and e.model_version = m.model_version;

-- one row per prediction run: the data and model drift decisions and what was done about them
create or replace view v_drift_history as
select
    r.run_id,
    r.started_at,
    r.stage,
    r.batch_id,
    r.status,
    d.drifted as data_drift,
    d.n_drifted as features_drifted,
    d.n_tests as features_tested,
    d.share_drifted,
    d.action as data_action,
    md.drifted as model_drift,
    md.action as model_action,
    coalesce(d.child_run_id, md.child_run_id) as retrain_run_id,
    r.model_version as served_by_model
from pipeline_runs r
left join drift_decisions d on d.run_id = r.run_id and d.kind = 'data'
left join drift_decisions md on md.run_id = r.run_id and md.kind = 'model'
where r.pipeline_type = 'PREDICTION_PIPELINE';
