-- One row per tested feature of a run, all in one statement: {{result_rows}} is a list of value tuples in the column
-- order below, one per feature, each value bound as a parameter.
insert into data_drift_results (
    run_id, feature, feature_kind, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail,
    effect_method, effect, effect_threshold, missing_share_ref, missing_share_cur, missing_p_value,
    p_value_adjusted, importance, used_by_model, counted, signal
)
values {{result_rows}}
