-- A model's error and interval coverage on the labelled rows of a batch it scored (the error test against its
-- evaluation reads model_drift_detection's batch_error and evaluation_error).
select
    count(p.actual) as n_actual,
    sqrt(avg((p.prediction - p.actual) ^ 2)) as rmse,
    avg(abs(p.prediction - p.actual)) as mae,
    avg(p.prediction - p.actual) as bias,
    count(*) filter (where p.actual between p.prediction_lower and p.prediction_upper) as n_covered
from {{predictions_table}} p
where p.actual is not null
