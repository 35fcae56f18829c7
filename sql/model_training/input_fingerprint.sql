-- What a training run learns from, before any work: the labelled input rows, counted, and an order-independent
-- sum of the hashes of their contents (every contract column). A sum, not a xor: two identical rows do not cancel.
select count(*) as n, coalesce(sum(hash({{columns}})), 0)::varchar as h
from ({{input_rows}})
