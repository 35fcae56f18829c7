delete from stage_pins
where stage = $stage
