-- A per-run view (a training run's processed rows), dropped before it is written again (a resumed or repeated step).
drop view if exists {{table}}
