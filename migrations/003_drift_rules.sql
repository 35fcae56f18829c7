-- Size-aware drift decisions (docs/drift.md): each feature row keeps its effect size, missing-share test,
-- share of the model's prediction and what the dataset decision made of it; each decision row says which rule fired.

alter table data_drift_results add column effect_method varchar;
alter table data_drift_results add column effect double;
alter table data_drift_results add column effect_threshold double;
alter table data_drift_results add column missing_share_ref double;
alter table data_drift_results add column missing_share_cur double;
alter table data_drift_results add column missing_p_value double;
-- Holm-adjusted p-value of the distribution test among the tests of the features the model uses
alter table data_drift_results add column p_value_adjusted double;
-- share of the spread of the model's prediction carried by the feature
alter table data_drift_results add column importance double;
-- whether the model uses the feature (non-zero coefficient), and whether it drifted at the dataset decision's level
alter table data_drift_results add column used_by_model boolean;
alter table data_drift_results add column counted boolean;
-- what drifted: distribution, missing_share, distribution+missing_share, or null
alter table data_drift_results add column signal varchar;

alter table model_drift_results add column effect_method varchar;
alter table model_drift_results add column effect double;
alter table model_drift_results add column effect_threshold double;
-- false when the batch had too few (labelled) rows for the test to be judged
alter table model_drift_results add column judged boolean;

-- too_few_rows | important_feature | share | important_feature+share | prediction_distribution | rmse_ratio | … | none
alter table drift_decisions add column rule varchar;
-- the p-value level the decision was held to (half the configured false-alarm level)
alter table drift_decisions add column decision_level double;

create or replace view v_drift_history as
select
    r.run_id,
    r.started_at,
    r.stage,
    r.batch_id,
    r.status,
    d.drifted as data_drift,
    d.rule as data_rule,
    d.n_drifted as features_drifted,
    d.n_tests as features_tested,
    d.share_drifted,
    d.action as data_action,
    md.drifted as model_drift,
    md.rule as model_rule,
    md.action as model_action,
    coalesce(d.child_run_id, md.child_run_id) as retrain_run_id,
    r.model_version as served_by_model
from pipeline_runs r
left join drift_decisions d on d.run_id = r.run_id and d.kind = 'data'
left join drift_decisions md on md.run_id = r.run_id and md.kind = 'model'
where r.pipeline_type = 'PREDICTION_PIPELINE';
