-- How many input rows a training run's processing reads, counted on the run's own connection: its one pass
-- (fold_sums_cells.sql) runs on connections of their own and must have read as many, and identifies them (the xor of
-- the hashes of their ids, as input_fingerprint.sql computes it for a batch).
select count(*) as n
from ({{input_rows}})
