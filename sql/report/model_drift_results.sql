-- The model-drift tests of a run.
select test, method, statistic, p_value, threshold, n_ref, n_cur, drifted, effect_method, effect, effect_threshold, judged
from model_drift_results
where run_id = $run_id
order by test
