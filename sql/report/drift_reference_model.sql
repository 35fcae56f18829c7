-- The model a prediction run's data drift detection compared the batch with (recorded with the decision).
select d.reference_model_version as model_version, m.reference_table
from drift_decisions d
join models m on m.model_version = d.reference_model_version
where d.run_id = $run_id and d.kind = 'data'
