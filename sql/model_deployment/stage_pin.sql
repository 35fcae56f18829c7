select model_version, reason, pinned_at, deployment_id
from stage_pins
where stage = $stage
