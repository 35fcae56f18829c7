-- Forget the step rows of every step the resumed run will do again.
delete from step_runs
where run_id = $run_id
  and not list_contains(from_json($kept_steps, '["VARCHAR"]'), step_name)
