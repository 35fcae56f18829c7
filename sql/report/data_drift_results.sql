-- One row per feature of a run's data-drift detection: its own test, and what the dataset decision made of it.
select
    feature, feature_kind, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail::varchar as detail,
    effect_method, effect, effect_threshold, missing_share_ref, missing_share_cur, missing_p_value,
    p_value_adjusted, importance, used_by_model, counted, signal
from data_drift_results
where run_id = $run_id
order by counted desc nulls last, drifted desc, importance desc nulls last, feature
