select model_version from promote_source.main.active_model where stage = $stage
