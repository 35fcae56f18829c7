select model_version, deployment_id
from active_model
where stage = $stage
