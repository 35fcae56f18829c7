select a.model_version, e.new_rmse as rmse, e.new_mae as mae, e.new_mape as mape, e.new_r2 as r2, e.new_bias as bias
from active_model a
join models m using (model_version)
join model_evaluation_metadata e on e.run_id = m.run_id and e.model_version = m.model_version
where a.stage = $stage
