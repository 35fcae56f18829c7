-- One row per model-drift test of a run, all in one statement: {{result_rows}} is a list of value tuples in the column
-- order below, one per test, each value bound as a parameter.
insert or replace into model_drift_results (run_id, test, method, statistic, p_value, threshold, n_ref, n_cur, drifted, detail, effect_method, effect, effect_threshold, judged)
values {{result_rows}}
