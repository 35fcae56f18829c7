-- The model a training run made and the model it was compared with (the active one when it was evaluated), for the
-- report's "what changed" section: the report's own training run, or the training runs its drift decisions started.
select m.model_version as new_version, e.active_model_version as old_version, m.run_id
from models as m
join model_evaluation_metadata as e on e.run_id = m.run_id and e.model_version = m.model_version
where m.run_id = $run_id
   or m.run_id in (select child_run_id from drift_decisions where run_id = $run_id)
order by m.run_id
