-- A model version's reference sample table.
select model_version, reference_table
from models
where model_version = $model_version
