-- A serving being redone by a resumed run: the serving it had superseded is current again until it serves.
update served_predictions
set superseded_by_run = null
where superseded_by_run = $run_id
