-- The typed path's missing lines: the file's record lines that are not in raw_data for this batch. Each was rejected
-- by the typed reader or breaks a rule. The record lines are intervals [lo, hi) (one per line-map point: blank lines
-- split them). The lines are compared 64 at a time, as bit masks of a block of 64 lines (bit i: line 64 * block + i):
-- the lines expected (from the intervals) and the lines present (one bit_or over the batch's rows, a small state per
-- block whatever the number of rows); only the bits expected and not present are expanded into lines. Memory does
-- not grow with the rows of the file, only with the number of blocks (rows / 64, 8 bytes each) and of missing lines.
create or replace temp table ingest_gaps as
with
intervals as (
    select unnest(from_json($intervals, '[{"lo": "BIGINT", "hi": "BIGINT"}]'), recursive := true)
),
interval_blocks as (
    select lo, hi, unnest(range(lo // 64, (hi - 1) // 64 + 1)) as blk
    from intervals
    where hi > lo
),
-- bits [s, e) of a block: the lines of one interval inside it
expected as (
    select blk, bit_or(case when e - s = 64 then ~0::ubigint else ((1::ubigint << (e - s)) - 1) << s end) as m
    from (
        select blk, greatest(lo, blk * 64) - blk * 64 as s, least(hi, blk * 64 + 64) - blk * 64 as e
        from interval_blocks
    )
    group by blk
),
present as (
    select source_row // 64 as blk, bit_or(1::ubigint << (source_row % 64)::integer) as m
    from raw_data
    where batch_id = $batch_id
    group by blk
),
missing as (
    select e.blk, e.m & ~coalesce(p.m, 0::ubigint) as m
    from expected as e
    left join present as p on p.blk = e.blk
    where e.m & ~coalesce(p.m, 0::ubigint) <> 0
)
select blk * 64 + i as line
from (select blk, m, unnest(range(64)) as i from missing)
where (m >> i::integer) & 1::ubigint = 1
order by line
