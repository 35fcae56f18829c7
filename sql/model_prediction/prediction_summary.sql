select
    count(*) as n,
    count(actual) as n_actual,
    count(*) filter (where list_contains(flags, 'high_leverage')) as n_high_leverage,
    avg(prediction) as mean_prediction,
    count(*) filter (where actual between prediction_lower and prediction_upper) as n_covered
from {{predictions_table}}
