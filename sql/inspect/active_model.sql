select * from v_active_model where stage = $stage
