-- Identifies the input rows of a processing: how many and which (order-independent), so a resumed run
-- can tell whether its input changed since the step ran.
select count(*) as n, coalesce(bit_xor(hash(batch_id, source_row)), 0)::varchar as h
from ({{input_rows}})
