-- How many input rows have each combination of raw category levels (null: missing), on each side of the split, from
-- a training run's one pass (fold_sums_cells.sql): the training side's level counts, and the rows the pass read, the
-- sum of the hashes of their contents and the xor of the hashes of their ids.
select
    {{group_columns}}
    is_test,
    sum(n)::bigint as n,
    sum(input_hash)::varchar as input_hash,
    bit_xor(ids_hash)::varchar as ids_hash
from {{cells_table}}
group by all
order by all
