-- Which rows trained the model, independent of their order: the row count and a xor of hashed row ids.
select count(*) as n, coalesce(bit_xor(hash(batch_id, source_row)), 0)::varchar as h
from {{train_view}}
