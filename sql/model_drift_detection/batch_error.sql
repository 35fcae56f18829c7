-- The batch's squared error where actuals are known.
select
    count(p.actual) as n_actual,
    avg((p.prediction - p.actual) ^ 2) as batch_mse
from {{predictions_table}} p
where p.actual is not null and p.prediction is not null
