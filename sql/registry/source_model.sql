select model_version, run_id, reference_table, source_stage, source_model_version, source_run_id, source_lineage::varchar as source_lineage
from promote_source.main.models
where model_version = $model_version
