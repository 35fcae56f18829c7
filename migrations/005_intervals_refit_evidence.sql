-- Prediction-interval evidence of every evaluation, the lineage of refitted models, and the serving model's
-- own check on a labelled batch.

-- model_evaluation_metadata: how the new model's intervals covered the test rows, and which interval serves.
alter table model_evaluation_metadata add column if not exists interval_level double;
-- share of test rows inside the normal-theory interval (from the training fit's residual variance and leverage)
alter table model_evaluation_metadata add column if not exists normal_coverage double;
-- share of test rows inside the split-conformal interval, cross-fitted (each half calibrated on the other)
alter table model_evaluation_metadata add column if not exists conformal_coverage double;
-- the tolerance band around interval_level inside which normal theory is taken to hold (3 binomial SEs)
alter table model_evaluation_metadata add column if not exists coverage_tolerance double;
-- what interval_method: auto chose for this model (normal | conformal), and why
alter table model_evaluation_metadata add column if not exists interval_choice varchar;
alter table model_evaluation_metadata add column if not exists interval_choice_reason varchar;
-- conformal half-width over all test rows, with the finite-sample (n + 1) correction
alter table model_evaluation_metadata add column if not exists conformal_quantile double;
-- optional per-group half-widths: the categorical feature and {level: half-width} for levels with enough test rows
alter table model_evaluation_metadata add column if not exists conformal_group varchar;
alter table model_evaluation_metadata add column if not exists conformal_group_quantiles json;
-- for a refit: the model whose held-out predictions these metrics are (the refit itself has no held-out rows)
alter table model_evaluation_metadata add column if not exists evaluated_model_version integer;

-- models: a refit names the version that passed the gate on held-out rows; fit_scope says what it was fitted on
alter table models add column if not exists refit_of integer;
alter table models add column if not exists fit_scope varchar;

-- one row per prediction run and model that scored its batch, where the batch has actuals: the batch error and
-- interval coverage against the model's evaluation, tested, so the model that serves a batch is checked on it too
create table if not exists batch_evaluations (
    run_id integer not null,
    model_version integer not null,
    role varchar not null,
    predictions_table varchar not null,
    n_actual bigint not null,
    rmse double,
    mae double,
    bias double,
    interval_level double,
    coverage double,
    evaluation_rmse double,
    n_test bigint,
    f_statistic double,
    f_p_value double,
    coverage_p_value double,
    p_value_threshold double,
    failed boolean,
    reason varchar not null,
    created_at timestamp not null,
    primary key (run_id, model_version)
);
