-- Exact per-feature moments over every input row, in one pass: count, nulls, mean, std, min, max.
select
    count(*) as rows_total,
    {{moments}}
from ({{input_rows}})
