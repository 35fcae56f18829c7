-- RMSE, MAE, MAPE (rows with |actual| > $mape_floor only), R² and bias, for the new and the active model on the same
-- rows, summed on one thread in the rows' stored order. {{predictions_table}}: eval_predictions_r{run} where it is a
-- sorted table ({{checks}}: none); or, before it is made, the rows it would hold without a sort (in_order_rows.sql),
-- with {{checks}} counting its rows that are out of key order or paired with another key's active prediction
-- (check_counts.sql). Where both counts are 0, these are the metrics of eval_predictions_r{run} as it is then made
-- (a view, or a copy in this order), summed in its order; otherwise the step stores the rows sorted (joined by key)
-- and sums them again.
with stats as (
    select
        count(*) as n,
        avg(actual) as mean_actual,
        count(*) filter (where abs(actual) > $mape_floor) as mape_rows,
        sum((prediction - actual) ^ 2) as sse_new,
        avg(abs(prediction - actual)) as mae_new,
        avg(abs((prediction - actual) / actual)) filter (where abs(actual) > $mape_floor) * 100 as mape_new,
        avg(prediction - actual) as bias_new,
        sum((active_prediction - actual) ^ 2) as sse_active,
        avg(abs(active_prediction - actual)) as mae_active,
        avg(abs((active_prediction - actual) / actual)) filter (where abs(actual) > $mape_floor) * 100 as mape_active,
        avg(active_prediction - actual) as bias_active,
        var_pop(actual) * count(*) as sst{{checks}}
    from {{predictions_table}}
)
select
    n,
    mape_rows,
    sqrt(sse_new / n) as new_rmse,
    mae_new as new_mae,
    mape_new as new_mape,
    1 - sse_new / nullif(sst, 0) as new_r2,
    bias_new as new_bias,
    sqrt(sse_active / n) as active_rmse,
    mae_active as active_mae,
    mape_active as active_mape,
    1 - sse_active / nullif(sst, 0) as active_r2,
    bias_active as active_bias,
    -- and the checks' counts, where {{checks}} gave them
    * exclude (n, mean_actual, mape_rows, sse_new, mae_new, mape_new, bias_new, sse_active, mae_active, mape_active, bias_active, sst)
from stats
