-- The model's error on its evaluation (test) rows: the mean squared error and the kurtosis E[e⁴]/E[e²]² of the
-- errors, which sets the degrees of freedom of the error-ratio test.
select
    count(*) as n_test,
    avg((p.prediction - p.actual) ^ 2) as mse,
    avg((p.prediction - p.actual) ^ 4) / nullif(avg((p.prediction - p.actual) ^ 2) ^ 2, 0) as kurtosis
from {{predictions_table}} p
where p.actual is not null and p.prediction is not null
