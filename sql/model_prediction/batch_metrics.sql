-- A model's error and interval coverage on the labelled rows of a batch it scored, beside its evaluation
-- on held-out rows (model_evaluation_metadata of the model's training run).
select
    count(p.actual) as n_actual,
    sqrt(avg((p.prediction - p.actual) ^ 2)) as rmse,
    avg(abs(p.prediction - p.actual)) as mae,
    avg(p.prediction - p.actual) as bias,
    count(*) filter (where p.actual between p.prediction_lower and p.prediction_upper) as n_covered,
    (select new_rmse from model_evaluation_metadata where run_id = $model_run_id) as evaluation_rmse,
    (select n_test from model_evaluation_metadata where run_id = $model_run_id) as n_test
from {{predictions_table}} p
where p.actual is not null
