-- A per-run view (a run's processed rows), dropped before it is made again (a resumed or repeated step).
drop view if exists {{table}}
