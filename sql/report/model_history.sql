-- One row per model version: training and test metrics, its latest gate decision and whether it serves now.
select * from v_model_metrics order by model_version
