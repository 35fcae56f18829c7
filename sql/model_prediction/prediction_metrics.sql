-- One pass over a run's predictions: counts, interval coverage and the errors on the labelled rows. Model drift
-- (batch_mse, n_actual) and the check of the serving model on the batch (rmse, mae, bias, n_covered) read these
-- instead of scanning the predictions again. Run single-threaded, and every stored sum is taken in file order: the
-- predictions table's row order varies with the parallel join that made it, so sums in table order would differ in
-- their last digits run to run (mean_prediction is not stored). rmse is the root of batch_mse: avg skips the rows
-- without a prediction, so both average the same squared errors.
select
    n,
    n_actual,
    n_high_leverage,
    mean_prediction,
    n_covered,
    sqrt(batch_mse) as rmse,
    mae,
    bias,
    n_errors,
    batch_mse
from (
    select
        count(*) as n,
        count(actual) as n_actual,
        count(*) filter (where list_contains(flags, 'high_leverage')) as n_high_leverage,
        avg(prediction) as mean_prediction,
        count(*) filter (where actual between prediction_lower and prediction_upper) as n_covered,
        avg(abs(prediction - actual) order by batch_id, source_row) filter (where actual is not null) as mae,
        avg(prediction - actual order by batch_id, source_row) filter (where actual is not null) as bias,
        count(actual) filter (where prediction is not null) as n_errors,
        avg((prediction - actual) ^ 2 order by batch_id, source_row) filter (where actual is not null and prediction is not null) as batch_mse
    from {{predictions_table}}
)
