-- One row per feature of a run's data-drift detection.
select feature, feature_kind, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail::varchar as detail
from data_drift_results
where run_id = $run_id
order by drifted desc, feature_kind desc, feature
