-- One pass over a run's predictions: counts, interval coverage and the errors on the labelled rows. Model drift
-- (batch_mse, n_actual) and the check of the serving model on the batch (rmse, mae, bias, n_covered) read these
-- instead of scanning the predictions again. Run single-threaded, so the sums are bit-identical run to run.
select
    count(*) as n,
    count(actual) as n_actual,
    count(*) filter (where list_contains(flags, 'high_leverage')) as n_high_leverage,
    avg(prediction) as mean_prediction,
    count(*) filter (where actual between prediction_lower and prediction_upper) as n_covered,
    sqrt(avg((prediction - actual) ^ 2) filter (where actual is not null)) as rmse,
    avg(abs(prediction - actual)) filter (where actual is not null) as mae,
    avg(prediction - actual) filter (where actual is not null) as bias,
    count(actual) filter (where prediction is not null) as n_errors,
    -- summed in file order: the predictions table's row order varies with the parallel join that made it
    avg((prediction - actual) ^ 2 order by batch_id, source_row) filter (where actual is not null and prediction is not null) as batch_mse
from {{predictions_table}}
