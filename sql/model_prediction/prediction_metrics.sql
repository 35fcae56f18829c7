-- One pass over a run's predictions: counts, interval coverage and the errors on the labelled rows. Model drift
-- (batch_mse, n_actual) and the check of the serving model on the batch (rmse, mae, bias, n_covered) read these
-- instead of scanning the predictions again. Run single-threaded over a table written in the processed rows' order
-- (predictions.sql: raw_data's order, a batch's file order), so every sum is taken in that order, bit-identical run to
-- run, without sorting the rows. rmse is the root of batch_mse: avg skips the rows without a prediction, so both
-- average the same squared errors.
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
        avg(abs(prediction - actual)) filter (where actual is not null) as mae,
        avg(prediction - actual) filter (where actual is not null) as bias,
        count(actual) filter (where prediction is not null) as n_errors,
        avg((prediction - actual) ^ 2) filter (where actual is not null and prediction is not null) as batch_mse
    from {{predictions_table}}
)
