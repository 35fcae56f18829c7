select step_name, status, input_fingerprint
from step_runs
where run_id = $run_id
order by step_order
