select model_version, run_id, created_at, algorithm, n_train, r2_train, test_rmse, test_r2, last_decision, is_active
from v_model_metrics
order by model_version
