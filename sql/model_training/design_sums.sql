-- The training side of the run's design sums (written by data_processing), one row per combination of levels,
-- and the training rows' identity: the xor of the hashes of their key and target, and their batches.
select *, rows_hash::varchar as rows_hash_text
from {{sums_table}}
where not is_test
order by all
