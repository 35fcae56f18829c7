select new_rmse as rmse, new_mae as mae, new_mape as mape, new_r2 as r2, new_bias as bias
from model_evaluation_metadata
where run_id = $run_id
