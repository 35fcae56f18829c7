-- The batch's squared error where actuals are known.
select
    count(p.actual) as n_actual,
    -- summed in file order: the predictions table's row order varies with the parallel join that made it
    avg((p.prediction - p.actual) ^ 2 order by p.batch_id, p.source_row) as batch_mse
from {{predictions_table}} p
where p.actual is not null and p.prediction is not null
