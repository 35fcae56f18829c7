-- A prediction run's processed view, dropped before it is made again (a resumed or repeated step).
drop view if exists {{table}}
