-- A per-run table, dropped before it is written again (a resumed or repeated step).
drop table if exists {{table}}
