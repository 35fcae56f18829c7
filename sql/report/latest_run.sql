-- The run a report shows by default: the newest top-level run (a drift-triggered retraining is shown inside its parent).
select run_id
from pipeline_runs
order by (parent_run_id is null) desc, run_id desc
limit 1
