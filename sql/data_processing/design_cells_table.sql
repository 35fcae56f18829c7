-- The (empty) table the per-cell design sums of a training run are appended to (design_sums_cells.sql, one statement
-- per range of cells): a TEMP table of the run's connection, with the columns and types of that query.
create or replace temp table {{cells_table}} as
select *
from ({{cells}})
limit 0
