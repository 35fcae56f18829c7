select model_version, run_id, reference_table
from promote_source.main.models
where model_version = $model_version
