select a.model_version, m.run_id
from active_model a
join models m using (model_version)
where a.stage = $stage
