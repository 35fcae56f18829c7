-- Which rows trained the model, independent of their order and of where they sit in raw_data: the row
-- count and a xor of the hashes of each row's key and target; and the batches they came from (same pass).
select
    count(*) as n,
    coalesce(bit_xor(hash({{key_columns}}, {{target}})), 0)::varchar as h,
    coalesce(list(distinct batch_id order by batch_id), []) as batches
from {{train_view}}
