-- The active model of a stage and what it was trained on, for the identical-retrain check.
select a.model_version, m.input_fingerprint, m.training_config_hash
from active_model a
join models m using (model_version)
where a.stage = $stage
