-- The evaluation of a training run: the new model's and the then-active model's metrics on the same test rows.
select
    run_id,
    model_version,
    active_model_version,
    n_test,
    new_rmse,
    new_mae,
    new_mape,
    new_r2,
    new_bias,
    active_rmse,
    active_mae,
    active_mape,
    active_r2,
    active_bias,
    predictions_table,
    created_at
from model_evaluation_metadata
where run_id = $run_id
