-- The batch's error where actuals are known, and the evaluation error of the model that scored it.
select
    count(p.actual) as n_actual,
    -- summed in file order: the predictions table's row order varies with the parallel join that made it
    sqrt(avg((p.prediction - p.actual) ^ 2 order by p.batch_id, p.source_row)) as batch_rmse,
    (select new_rmse from model_evaluation_metadata where run_id = $model_run_id) as evaluation_rmse,
    (select n_test from model_evaluation_metadata where run_id = $model_run_id) as n_test
from {{predictions_table}} p
where p.actual is not null
