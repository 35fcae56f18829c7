-- What drifted in a prediction run: the features (data drift) and the model-drift tests that crossed their threshold.
select 'data' as kind, feature as test, method, statistic, p_value, threshold
from data_drift_results
where run_id = $run_id and drifted
union all
select 'model' as kind, test, method, statistic, p_value, threshold
from model_drift_results
where run_id = $run_id and drifted
order by kind, test
